-- Container configuration for rt:create{} and ctr.config_json{}: a table keyed by the
-- setters' names (ctr_config_set_<key>, add_<key> in the plural) -> a ctr_config_t.
local ffi = require "ffi"
local K = require "ctr.core"

local C, E = K.C, K.E
local new_error, c_error, check, type_error = K.new_error, K.c_error, K.check, K.type_error
local want, str, opt_str, int, opt_int, ll, flag = K.want, K.str, K.opt_str, K.int, K.opt_int,
	K.ll, K.flag
local opts_table, set, strv, take_strv, take_string = K.opts_table, K.set, K.strv,
	K.take_strv, K.take_string
local signal, with_callback, flags_of = K.signal, K.with_callback, K.flags_of

local net = require "ctr.net"

local M = {}

-- Configuration: a table of the setters' names -> ctr_config_t.

local restart_policies = { no = 0, always = 1, ["on-failure"] = 2, ["unless-stopped"] = 3 }
local networks = { none = 0, host = 1 }

local function each_pair(t, where, what)
	want(t, "table", where, what)
	local keys = {}
	for k in pairs(t) do
		keys[#keys + 1] = str(k, where, what .. " key")
	end
	table.sort(keys)
	local i = 0
	return function()
		i = i + 1
		return keys[i], t[keys[i]]
	end
end

-- Config keys in the order they are applied, with the function that applies each.
local W = "create"
local config_keys = {
	{ "name", function(cfg, v) return C.ctr_config_set_name(cfg, str(v, W, "name")) end },
	{ "rootfs", function(cfg, v) return C.ctr_config_set_rootfs(cfg, str(v, W, "rootfs")) end },
	{ "layers", function(cfg, v)
		want(v, "table", W, "layers")
		for i, dir in ipairs(v) do
			local r = C.ctr_config_add_layer(cfg, str(dir, W, "layers[" .. i .. "]"))
			if r < 0 then return r end
		end
		return 0
	end },
	{ "image", function(cfg, v) return C.ctr_config_set_image(cfg, str(v, W, "image")) end },
	{ "entrypoint", function(cfg, v)
		return C.ctr_config_set_entrypoint(cfg, (strv(v, W, "entrypoint")))
	end },
	{ "args", function(cfg, v) return C.ctr_config_set_args(cfg, (strv(v, W, "args"))) end },
	{ "env", function(cfg, v)
		want(v, "table", W, "env")
		local list = {}
		for i = 1, #v do
			list[i] = v[i]
		end
		for k, val in pairs(v) do -- and { KEY = "value" } entries, sorted
			if type(k) ~= "number" then
				list[#list + 1] = str(k, W, "env key") .. "=" .. str(val, W, "env." .. k)
			end
		end
		table.sort(list, function(a, b)
			return tostring(a) < tostring(b)
		end)
		return C.ctr_config_set_env(cfg, (strv(list, W, "env")))
	end },
	{ "terminal", function(cfg, v) return C.ctr_config_set_terminal(cfg, flag(v, W, "terminal") and 1 or 0) end },
	{ "stdin", function(cfg, v) return C.ctr_config_set_stdin(cfg, flag(v, W, "stdin") and 1 or 0) end },
	{ "log_size_max", function(cfg, v) return C.ctr_config_set_log_size_max(cfg, int(v, W, "log_size_max", 0, 2 ^ 64 - 1)) end },
	{ "stop_signal", function(cfg, v) return C.ctr_config_set_stop_signal(cfg, signal(v, W)) end },
	{ "stop_timeout", function(cfg, v) return C.ctr_config_set_stop_timeout(cfg, K.timeout_s(v, W, "stop_timeout")) end },
	{ "restart_policy", function(cfg, v, o)
		local p = type(v) == "string" and restart_policies[v] or v
		if type(p) ~= "number" then
			type_error("create: restart_policy must be no, always, on-failure or unless-stopped")
		end
		return C.ctr_config_set_restart_policy(cfg, int(p, W, "restart_policy"),
			opt_int(o.restart_max_retries, 0, W, "restart_max_retries", 0, 0xffffffff))
	end },
	{ "restart_max_retries", function(_, _, o)
		if o.restart_policy == nil then
			type_error("create: restart_max_retries needs restart_policy")
		end
		return 0
	end },
	{ "dependencies", function(cfg, v)
		want(v, "table", W, "dependencies")
		for i, d in ipairs(v) do
			local r = C.ctr_config_add_dependency(cfg, str(d, W, "dependencies[" .. i .. "]"))
			if r < 0 then return r end
		end
		return 0
	end },
	{ "cwd", function(cfg, v) return C.ctr_config_set_cwd(cfg, str(v, W, "cwd")) end },
	{ "user", function(cfg, v) -- "USER[:GROUP]" (names or numbers) or a uid
		if type(v) == "number" then
			v = tostring(int(v, W, "user", 0, 0xfffffffe))
		end
		return C.ctr_config_set_user(cfg, str(v, W, "user"))
	end },
	{ "hostname", function(cfg, v) return C.ctr_config_set_hostname(cfg, str(v, W, "hostname")) end },
	{ "capabilities", function(cfg, v) -- a list; false: the default set
		if v == false then return C.ctr_config_set_capabilities(cfg, nil) end
		return C.ctr_config_set_capabilities(cfg, (strv(v, W, "capabilities")))
	end },
	{ "seccomp", function(cfg, v) return C.ctr_config_set_seccomp(cfg, str(v, W, "seccomp")) end },
	{ "memory_limit", function(cfg, v) return C.ctr_config_set_memory_limit(cfg, int(v, W, "memory_limit", 0, 2 ^ 64 - 1)) end },
	{ "pids_limit", function(cfg, v) return C.ctr_config_set_pids_limit(cfg, int(v, W, "pids_limit", -2 ^ 63, 2 ^ 63 - 1)) end },
	{ "readonly_rootfs", function(cfg, v) return C.ctr_config_set_readonly_rootfs(cfg, flag(v, W, "readonly_rootfs") and 1 or 0) end },
	{ "mounts", function(cfg, v) -- { { source=, destination=, type=, options= }, ... }
		want(v, "table", W, "mounts")
		for i, m in ipairs(v) do
			local what = "mounts[" .. i .. "]"
			want(m, "table", W, what)
			local r = C.ctr_config_add_mount(cfg, str(m.source or m[1], W, what .. ".source"),
				str(m.destination or m[2], W, what .. ".destination"),
				opt_str(m.type or m[3], W, what .. ".type"),
				opt_str(m.options or m[4], W, what .. ".options"))
			if r < 0 then return r end
		end
		return 0
	end },
	{ "network", function(cfg, v)
		local n = type(v) == "string" and networks[v] or v
		if type(n) ~= "number" then type_error("create: network must be none or host") end
		return C.ctr_config_set_network(cfg, n)
	end },
	{ "networks", function(cfg, v) return net.add_networks(cfg, v, W) end },
	{ "ports", function(cfg, v) return net.add_ports(cfg, v, W) end },
	{ "labels", function(cfg, v)
		for k, val in each_pair(v, W, "labels") do
			local r = C.ctr_config_set_label(cfg, k, str(val, W, "labels." .. k))
			if r < 0 then return r end
		end
		return 0
	end },
	{ "annotations", function(cfg, v)
		for k, val in each_pair(v, W, "annotations") do
			local r = C.ctr_config_set_annotation(cfg, k, str(val, W, "annotations." .. k))
			if r < 0 then return r end
		end
		return 0
	end },
	{ "spec_override", function(cfg, v) return C.ctr_config_set_spec_override(cfg, str(v, W, "spec_override")) end },
}
local config_known = { json = true }
for _, e in ipairs(config_keys) do
	config_known[e[1]] = true
end

-- A ctr_config_t (gc'd) from the options table: `json` (the JSON form) first, then each
-- setter's key.
function M.build(o, where)
	W = where
	o = opts_table(o, where, config_known)
	local out = ffi.new("ctr_config_t *[1]")
	if o.json ~= nil then
		check(C.ctr_config_from_json(str(o.json, where, "json"), out))
	else
		check(C.ctr_config_new(out))
	end
	local cfg = ffi.gc(out[0], C.ctr_config_free)
	for _, e in ipairs(config_keys) do
		local v = o[e[1]]
		if v ~= nil then
			check(e[2](cfg, v, o))
		end
	end
	return cfg
end

--- The JSON form of a config built from the same options as rt:create{}.
function M.json(o)
	local cfg = M.build(o, "ctr.config_json")
	local out = ffi.new("char *[1]")
	check(C.ctr_config_to_json(cfg, out))
	return take_string(out[0])
end

return M
