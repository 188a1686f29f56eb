-- Images (include/ctr/image.h, libctr 1.1): the runtime's methods import_image, pull,
-- images, image and remove_image, and the image objects they return. An image object
-- holds its runtime and its id (img.id, 64 hex digits); what else it shows is read from
-- the store at each call. A ref is a name "NAME[:TAG]" (TAG latest by default), a full id
-- or a unique id prefix of at least 12 hex digits. See ctr.lua for the conventions.
local ffi = require "ffi"
local K = require "ctr.core"

local C = K.C
local check, type_error, str, opt_str, flag = K.check, K.type_error, K.str, K.opt_str, K.flag
local opts_table, set, take_strv, take_string = K.opts_table, K.set, K.take_strv,
	K.take_string

local M = {}

local Image = {}
Image.__index = Image
Image.__eq = function(a, b)
	return a.id == b.id
end
Image.__tostring = function(self)
	return "ctr.image(" .. self.id:sub(1, 12) .. ")"
end
M.Image = Image

local out_str = ffi.new("char *[1]")

-- The runtime's pointer (rtp checks the runtime object and that it is open).
local rtp

local function image_of(rt, p_out)
	return setmetatable({ rt = rt, id = take_string(p_out[0]) }, Image)
end

local function inspect(rt, ref, where)
	check(C.ctr_image_inspect(rtp(rt, where), str(ref, where, "ref"), out_str))
	return take_string(out_str[0])
end

local function image_check(self, op)
	if getmetatable(self) ~= Image then
		type_error("image %s: call it as img:%s(...)", op, op)
	end
	return self.rt
end

--- The image as JSON text: id, names, created, size, layers, config (docs/inspect.md).
function Image:inspect()
	return inspect(image_check(self, "inspect"), self.id, "image inspect")
end

--- Its names ("NAME:TAG" each), a new list, read now.
function Image:names()
	local json = self:inspect()
	local t = {}
	-- References hold no quote or backslash: the array's strings are its names as they are.
	for name in (json:match('"names":%[(.-)%]') or ""):gmatch('"([^"]*)"') do
		t[#t + 1] = name
	end
	return t
end

--- Give the image another name "NAME[:TAG]" (a name another image had moves to this one);
-- returns the image.
function Image:tag(name)
	local rt = image_check(self, "tag")
	check(C.ctr_image_tag(rtp(rt, "image tag"), self.id, str(name, "image tag", "name")))
	return self
end

--- Take one of its names away (NotFound when it is not one of this image's); when it is
-- the last, the image goes with it.
function Image:untag(name)
	local rt = image_check(self, "untag")
	local json = inspect(rt, name, "image untag")
	if json:match('"id":"(%x+)"') ~= self.id then
		error(K.new_error(K.E.NOENT, "image " .. self.id:sub(1, 12) .. ": " .. name
			.. " is not one of its names"), 0)
	end
	check(C.ctr_image_remove(rtp(rt, "image untag"), name, 0))
end

--- Remove the image with all its names, and its layers no other image uses. Busy while a
-- container created from it exists (the message names one).
function Image:remove()
	local rt = image_check(self, "remove")
	check(C.ctr_image_remove(rtp(rt, "image remove"), self.id, 0))
end

local import_known = set("name")

--- Import an OCI layout directory, an oci-archive or a docker-archive (the format is
-- detected): the image (of several, the first). o.name names it (nil: the archive's names).
local function import_image(rt, path, o)
	local where = "import_image"
	local p = rtp(rt, where)
	o = opts_table(o, where, import_known)
	local opts = ffi.new("ctr_image_import_opts_t")
	opts.sz = ffi.sizeof(opts)
	opts.name = opt_str(o.name, where, "name")
	check(C.ctr_image_import(p, str(path, where, "path"), opts, out_str))
	return image_of(rt, out_str)
end

local pull_known = set("name", "insecure", "auth_file", "timeout")

--- Fetch an image with skopeo ("docker://127.0.0.1:5000/bb:1", "oci:DIR:TAG") and import
-- it: o.name (nil: a docker:// source's reference), o.insecure (plain HTTP, unverified
-- TLS), o.auth_file (containers-auth.json), o.timeout (seconds, > 0; nil: 5 minutes).
local function pull(rt, source, o)
	local where = "pull"
	local p = rtp(rt, where)
	o = opts_table(o, where, pull_known)
	local opts = ffi.new("ctr_image_pull_opts_t")
	opts.sz = ffi.sizeof(opts)
	opts.name = opt_str(o.name, where, "name")
	opts.auth_file = opt_str(o.auth_file, where, "auth_file")
	opts.flags = flag(o.insecure, where, "insecure") and 1 or 0 -- CTR_PULL_INSECURE
	if o.timeout ~= nil then
		local ms = K.timeout_ms(o.timeout, where, "timeout")
		if ms == 0 then
			type_error("pull: timeout must be > 0 seconds or nil")
		end
		opts.timeout_ms = ms
	end
	check(C.ctr_image_pull(p, str(source, where, "source"), opts, out_str))
	return image_of(rt, out_str)
end

--- Every image, sorted by id.
local function images(rt)
	local ids, count = ffi.new("char **[1]"), ffi.new("size_t[1]")
	check(C.ctr_image_list(rtp(rt, "images"), ids, count))
	local t = take_strv(ids[0], count[0])
	table.sort(t)
	for i, id in ipairs(t) do
		t[i] = setmetatable({ rt = rt, id = id }, Image)
	end
	return t
end

--- The image ref names (NotFound; InvalidArgument for an ambiguous prefix).
local function image(rt, ref)
	local id = inspect(rt, ref, "image"):match('"id":"(%x+)"')
	return setmetatable({ rt = rt, id = id }, Image)
end

--- Remove what ref names: one name of several, else the image (ctr_image_remove).
local function remove_image(rt, ref)
	check(C.ctr_image_remove(rtp(rt, "remove_image"), str(ref, "remove_image", "ref"), 0))
end

-- Add the image methods to the Runtime metatable; rt_pointer(rt, op) checks a runtime.
function M.install(Runtime, rt_pointer)
	rtp = rt_pointer
	Runtime.import_image, Runtime.pull, Runtime.images = import_image, pull, images
	Runtime.image, Runtime.remove_image = image, remove_image
end

return M
