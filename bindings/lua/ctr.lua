--[[ ctr: the LuaJIT FFI binding of libctr.

  local ctr = require "ctr"
  local rt = ctr.runtime{ state_dir = "/tmp/s", run_dir = "/tmp/r" }
  local c = rt:create{ rootfs = "/srv/rootfs", args = { "/bin/echo", "hi" }, name = "web" }
  c:start()
  print(c:wait(10))        -- 0 (waits 10 s at most)
  print(c:exec{ argv = { "/bin/echo", "hi" } })  -- 0  "hi\n"  ""
  c:remove()

The names are the C verbs (ctr_start -> c:start()), as in the Python binding.

ERRORS. Every failure raises a Lua error whose value is a table
  { code = -4000, name = "StateError", message = "container web: cannot pause: ..." }
(metatable ctr.Error; tostring gives "StateError: <message>"), so
  local ok, e = pcall(c.pause, c); if not ok and e.name == "StateError" then ... end
code is the CTR_E_* value (ctr.E.STATE), message is ctr_last_error() read right after
the failing call. Names (those of the Python binding's exceptions): InvalidArgument,
NotFound, Exists, Timeout, NotSupported, IOFailed, NoMemory, Busy, StateError, Stopped,
Removed, RuntimeFailed, StoreError, DependencyError, MonitorError, InternalError
(ctr.errors maps codes to names). Misuse
caught by the binding before any C call (a wrong type, an unknown option, a freed
handle, c.start() instead of c:start()) raises name "TypeError" with code CTR_E_INVAL.
Queries answer booleans (ctr.has_feature, ctr.detach_keys_valid, rt:rebooted).

HANDLES. Runtimes and containers are freed by the garbage collector (ctr_runtime_close,
ctr_container_free), or at once by rt:close() / c:free(); a closed or freed handle
raises TypeError, never crashes. A container keeps working after its runtime is closed.

TIMEOUTS are seconds everywhere, as numbers (fractions allowed): c:wait(t),
c:wait_condition(state, t), c:stop(t), c:restart(t), s:wait(t) of an exec session,
c:exec{ timeout = t }. nil is "no timeout" (forever; for stop and restart the configured
stop timeout), as for ctr.runtime{ runtime_timeout = t } (nil: the library's default).
Waits round up to the millisecond; stop, restart and the stop_timeout of a config take
whole seconds (ctr_stop's timeout_s): 0.2 is 1 s, 0 stays 0 (SIGKILL at once).

EXEC. c:exec{ argv = {...}, ... } runs a process and returns its exit code (and its
output); c:exec_create{ argv = {...}, ... } returns a session object s (s.id, s:start(),
s:wait(t), s:poll(), s:kill(sig), s:resize(rows, cols), s:remove(force), s:wait_fd()), as
c:exec_list() does for every session of the container.

TIMES of events and log lines are `time`, seconds since the epoch as a number, and
`time_ns`, the same time in nanoseconds as an exact int64 cdata (a Lua number holds a
time of today to about 0.24 us). The since/until bounds of logs{} and events{} take
seconds since the epoch (os.time(), an entry's `time`), widened by a number's precision
so that an entry's own time takes it in; `until` is a Lua keyword: write ["until"] = t.
File descriptors are plain integers; those the binding hands out (c:wait_fd(),
s:wait_fd(), rt:events_fd()) belong to the caller: close them with ctr.close_fd(fd).

IMAGES (libctr 1.1). rt:import_image(path, { name = "bb:1" }) and rt:pull("docker://...",
{ name, insecure, auth_file, timeout }) return an image object img (img.id, img:names(),
img:inspect() -> JSON text, img:tag(name), img:untag(name), img:remove()), as rt:image(ref)
and rt:images() do; rt:create{ image = "bb:1", entrypoint = {...}, args = {...} } runs one.

NETWORKS (libctr 1.1). rt:create_network(name, { subnet = "10.89.7.0/24", gateway,
internal }) makes a bridge network and returns its JSON document, as rt:network_inspect(name)
does; rt:networks() lists the names, rt:remove_network(name) removes one. A container joins
networks and publishes ports with rt:create{ ..., networks = { "net1", { "net2",
"10.89.7.5" } }, ports = { "127.0.0.1:8080:80/tcp", { host_port = 8081, container_port = 81 } } }
(with ports and no networks it joins ctr.DEFAULT_NETWORK, "ctr"); network = "none" or "host"
stays the namespace's mode.

CALLBACKS. batch(fn), logs{fn=} and events{fn=} call Lua from C; an error raised in fn
stops the C function cleanly (the container's lock is released) and is raised again
once it has returned.
]]
local ffi = require "ffi"
local K = require "ctr.core"
local config = require "ctr.config"
local Container = require "ctr.container"

local C, E, libc = K.C, K.E, ffi.C
local new_error, check, type_error, want = K.new_error, K.check, K.type_error, K.want
local str, opt_str, int, opt_int, ll, flag = K.str, K.opt_str, K.int, K.opt_int, K.ll, K.flag
local opts_table, set, with_callback = K.opts_table, K.set, K.with_callback

local image = require "ctr.image"
local net = require "ctr.net"

local ctr = {
	lib = C,                      -- the library's FFI namespace (ctr.lib.ctr_version())
	library_path = K.library_path, -- where it was loaded from
	E = E,                        -- error codes: ctr.E.STATE == -4000
	errors = K.errors,            -- code -> error name
	Error = K.Error,              -- metatable of the error tables
	is_error = K.is_error,        -- ctr.is_error(e [, name])
	states = K.state_name,        -- state number -> name
	config_json = config.json,    -- ctr.config_json{...}: the JSON form of a config
	Container = Container,
	ExecSession = require("ctr.exec").Session,
	Image = image.Image,
	DEFAULT_NETWORK = net.DEFAULT, -- the network of a container with ports and no network
}

---------------------------------------------------------------------------------------
-- Library-wide

function ctr.version()
	return ffi.string(C.ctr_version())
end

function ctr.version_number()
	return C.ctr_version_number()
end

function ctr.has_feature(name)
	return check(C.ctr_has_feature(str(name, "ctr.has_feature", "name"))) == 1
end

function ctr.strerror(code)
	return ffi.string(C.ctr_strerror(int(code, "ctr.strerror", "code")))
end

function ctr.last_error()
	return ffi.string(C.ctr_last_error())
end

--- true, or false and the reason.
function ctr.detach_keys_valid(spec)
	if C.ctr_detach_keys_valid(opt_str(spec, "ctr.detach_keys_valid", "spec")) < 0 then
		return false, ffi.string(C.ctr_last_error())
	end
	return true
end

--- The capabilities a container gets when its config sets none (a new list each call).
function ctr.default_capabilities()
	local v, t = C.ctr_default_capabilities(), {}
	local i = 0
	while v[i] ~= nil do
		t[i + 1] = ffi.string(v[i])
		i = i + 1
	end
	return t
end


function ctr.close_fd(fd)
	if libc.close(int(fd, "ctr.close_fd", "fd")) < 0 then
		error(new_error(E.IO, "close: " .. ffi.string(libc.strerror(ffi.errno()))), 0)
	end
end

---------------------------------------------------------------------------------------
-- Runtime

local Runtime = {}
Runtime.__index = Runtime
Runtime.__tostring = function(self)
	return self._p and "ctr.runtime" or "ctr.runtime(closed)"
end
ctr.Runtime = Runtime

local function rtp(self, op)
	if getmetatable(self) ~= Runtime then
		type_error("runtime %s: call it as rt:%s(...)", op, op)
	end
	local p = self._p
	if not p then
		type_error("runtime %s: the runtime was closed", op)
	end
	return p
end

-- rt:import_image(path, {name}), rt:pull(source, {...}), rt:images(), rt:image(ref),
-- rt:remove_image(ref): ctr/image.lua.
image.install(Runtime, rtp)
-- rt:create_network(name, {...}), rt:networks(), rt:network_inspect(name),
-- rt:remove_network(name): ctr/net.lua.
net.install(Runtime, rtp)

local runtime_known = set("state_dir", "run_dir", "oci_runtime", "monitor_path", "nosync",
	"runtime_timeout", "flags")

function ctr.runtime(o)
	local where = "ctr.runtime"
	o = opts_table(o, where, runtime_known)
	local opts = ffi.new("ctr_runtime_opts_t")
	opts.sz = ffi.sizeof(opts)
	opts.state_dir = opt_str(o.state_dir, where, "state_dir")
	opts.run_dir = opt_str(o.run_dir, where, "run_dir")
	opts.oci_runtime = opt_str(o.oci_runtime, where, "oci_runtime")
	opts.monitor_path = opt_str(o.monitor_path, where, "monitor_path")
	opts.flags = opt_int(o.flags, 0, where, "flags", 0, 0xffffffff)
	if flag(o.nosync, where, "nosync") then
		opts.flags = bit.bor(opts.flags, 1)
	end
	if o.runtime_timeout ~= nil then -- seconds, as every timeout; nil: the library's 30 s
		opts.runtime_timeout_ms = K.timeout_ms(o.runtime_timeout, where, "runtime_timeout")
	end
	local out = ffi.new("ctr_runtime_t *[1]")
	check(C.ctr_runtime_open(opts, out))
	return setmetatable({ _p = ffi.gc(out[0], C.ctr_runtime_close) }, Runtime)
end

function Runtime:close()
	if getmetatable(self) ~= Runtime then
		type_error("runtime close: call it as rt:close()")
	end
	if self._p then
		C.ctr_runtime_close(ffi.gc(self._p, nil))
		self._p = nil
	end
end

function Runtime:rebooted()
	return check(C.ctr_runtime_rebooted(rtp(self, "rebooted"))) == 1
end

local wrap = Container._wrap

local out_c = ffi.new("ctr_container_t *[1]")

function Runtime:create(o)
	local p = rtp(self, "create")
	if type(o) ~= "table" then
		type_error("create: options must be a table, not %s", type(o))
	end
	local cfg = config.build(o, "create")
	check(C.ctr_create(p, cfg, out_c))
	C.ctr_config_free(ffi.gc(cfg, nil))
	return wrap(out_c[0])
end

function Runtime:lookup(ref)
	check(C.ctr_lookup(rtp(self, "lookup"), str(ref, "lookup", "name_or_id"), out_c))
	return wrap(out_c[0])
end

function Runtime:list()
	local out, count = ffi.new("ctr_container_t **[1]"), ffi.new("size_t[1]")
	check(C.ctr_list(rtp(self, "list"), out, count))
	local n, list = tonumber(count[0]), out[0]
	-- The handles stay in the library's array, freed with it once no object uses them.
	local owner = ffi.gc(list, function(l)
		C.ctr_list_free(l, n)
	end)
	local t = {}
	for i = 0, n - 1 do
		t[i + 1] = wrap(list[i], owner)
	end
	return t
end

local function event_table(ev)
	return {
		time_ns = ffi.new("int64_t", ev.time_ns),
		time = K.seconds_of_ns(ev.time_ns),
		type = ffi.string(ev.type),
		id = ffi.string(ev.id),
		name = ffi.string(ev.name),
		attributes = ffi.string(ev.attributes),
	}
end

local events_known = set("container", "type", "since", "until", "follow", "fn")

--- Events, oldest first: a list of { time_ns, time, type, id, name, attributes (JSON) }.
-- With fn, fn(event) is called for each instead (a true return stops); follow (which
-- needs fn) then waits for new events until fn returns true.
function Runtime:events(o)
	local p = rtp(self, "events")
	o = opts_table(o, "events", events_known)
	local opts = ffi.new("ctr_events_opts_t")
	opts.sz = ffi.sizeof(opts)
	opts.container = opt_str(o.container, "events", "container")
	opts.type = opt_str(o.type, "events", "type")
	opts.since_ns, opts.until_ns = K.time_bounds(o, "events")
	opts.flags = flag(o.follow, "events", "follow") and 1 or 0 -- CTR_EVENTS_FOLLOW
	if o.fn ~= nil then
		want(o.fn, "function", "events", "fn")
	elseif opts.flags == 1 then
		type_error("events: follow needs fn (the list would never end)")
	end
	local list = {}
	with_callback("ctr_event_fn", function(ev)
		if o.fn then
			return o.fn(event_table(ev))
		end
		list[#list + 1] = event_table(ev)
	end, function(cb)
		return C.ctr_events(p, opts, cb, nil)
	end)
	return list
end

function Runtime:events_fd()
	return check(C.ctr_events_fd(rtp(self, "events_fd")))
end

--- A new container from a checkpoint archive, restored (name nil: a generated one).
function Runtime:import(archive, name, o)
	local p = rtp(self, "import")
	local opts = Container._restore_opts(o, "import")
	check(C.ctr_import(p, str(archive, "import", "archive"), opt_str(name, "import", "name"),
		opts, out_c))
	return wrap(out_c[0])
end

jit.off(Runtime.events)

return ctr
