-- Container handles: the methods of the objects rt:create(), rt:lookup() and rt:list()
-- return. See ctr.lua for the conventions.
local ffi = require "ffi"
local K = require "ctr.core"

local C, E = K.C, K.E
local new_error, c_error, check, type_error = K.new_error, K.c_error, K.check, K.type_error
local want, str, opt_str, int, opt_int, ll, flag = K.want, K.str, K.opt_str, K.int, K.opt_int,
	K.ll, K.flag
local opts_table, set, strv, take_strv, take_string = K.opts_table, K.set, K.strv,
	K.take_strv, K.take_string
local signal, with_callback, flags_of, force_flag = K.signal, K.with_callback, K.flags_of,
	K.force_flag
local timeout_ms, timeout_s = K.timeout_ms, K.timeout_s
local state_name, state_num = K.state_name, K.state_num

local Container = {}
Container.__index = Container

-- Restore options, shared with rt:import().
local restore_flags = { keep = 0x1, tcp_established = 0x2, ignore_rootfs = 0x4 }
local restore_known = set("import_file", "name", "keep", "tcp_established", "ignore_rootfs")

local function restore_opts(o, where)
	o = opts_table(o, where, restore_known)
	local opts = ffi.new("ctr_restore_opts_t")
	opts.sz = ffi.sizeof(opts)
	opts.flags = flags_of(o, restore_flags, where)
	opts.import_file = opt_str(o.import_file, where, "import_file")
	opts.name = opt_str(o.name, where, "name")
	return opts
end

-- The handle of a container object, checked.
local function cp(self, op)
	if getmetatable(self) ~= Container then
		type_error("container %s: call it as c:%s(...)", op, op)
	end
	local p = self._p
	if not p then
		type_error("container %s: %s: the handle was freed", self._name or "?", op)
	end
	return p
end

function Container:free()
	if getmetatable(self) ~= Container then
		type_error("container free: call it as c:free()")
	end
	if self._p then
		self._name = self:name() -- for the messages of later calls
		if not self._owner then
			C.ctr_container_free(ffi.gc(self._p, nil))
		end
	end
	self._p, self._owner = nil, nil
end

function Container:id()
	local id = self._id
	if not id then
		id = ffi.string(C.ctr_id(cp(self, "id")))
		self._id = id
	end
	return id
end

function Container:name()
	local name = self._name
	if not name then
		name = ffi.string(C.ctr_name(cp(self, "name")))
		self._name = name
	end
	return name
end

Container.__tostring = function(self)
	if not self._p then
		return "ctr.container(freed)"
	end
	return string.format("ctr.container(%s, %s)", self:name(), self:id():sub(1, 12))
end
Container.__eq = function(a, b)
	return a._p ~= nil and b._p ~= nil and a:id() == b:id()
end

local int_out = ffi.new("int[1]")
local pid_out = ffi.new("pid_t[1]")

function Container:state()
	check(C.ctr_state(cp(self, "state"), int_out))
	return state_name[int_out[0]] or "unknown"
end

function Container:pid()
	check(C.ctr_pid(cp(self, "pid"), pid_out))
	return tonumber(pid_out[0])
end

function Container:exit_code()
	check(C.ctr_exit_code(cp(self, "exit_code"), int_out))
	return int_out[0]
end

function Container:inspect()
	local out = ffi.new("char *[1]")
	check(C.ctr_inspect(cp(self, "inspect"), out))
	return take_string(out[0])
end

local recursive_known = set("recursive")
local function recursive_flags(o, where)
	if o == true then
		return 1
	end
	o = opts_table(o, where, recursive_known)
	return flag(o.recursive, where, "recursive") and 1 or 0
end

function Container:init(o)
	check(C.ctr_init(cp(self, "init"), recursive_flags(o, "init")))
end

function Container:start(o)
	check(C.ctr_start(cp(self, "start"), recursive_flags(o, "start")))
end

--- Send the stop signal, wait up to timeout seconds (nil: the configured stop timeout;
-- 0: SIGKILL at once), then SIGKILL. The C call takes whole seconds: a fraction rounds up.
function Container:stop(timeout)
	check(C.ctr_stop(cp(self, "stop"), timeout_s(timeout, "stop", "timeout")))
end

function Container:kill(sig)
	check(C.ctr_kill(cp(self, "kill"), sig == nil and 9 or signal(sig, "kill")))
end

function Container:pause()
	check(C.ctr_pause(cp(self, "pause")))
end

function Container:unpause()
	check(C.ctr_unpause(cp(self, "unpause")))
end

--- Stop (timeout as for stop) and start again.
function Container:restart(timeout)
	check(C.ctr_restart(cp(self, "restart"), timeout_s(timeout, "restart", "timeout")))
end

--- Wait while it runs (running or paused), then its last exit code (-1: none, it never
-- ran); at once when it does not run. timeout in seconds (nil: forever; fractions round
-- up to the millisecond). Raises Timeout.
function Container:wait(timeout)
	local p = cp(self, "wait")
	check(C.ctr_wait(p, timeout_ms(timeout, "wait", "timeout"), int_out))
	return int_out[0]
end

--- A descriptor readable once the run has ended; the caller closes it (ctr.close_fd).
function Container:wait_fd()
	return check(C.ctr_wait_fd(cp(self, "wait_fd")))
end

--- Wait until it is in state (a name, "running", or a number); timeout as for wait.
function Container:wait_condition(state, timeout)
	local p = cp(self, "wait_condition")
	local s = type(state) == "string" and state_num[state] or state
	if type(s) ~= "number" then
		type_error("wait_condition: unknown state %s", tostring(state))
	end
	check(C.ctr_wait_condition(p, s, timeout_ms(timeout, "wait_condition", "timeout")))
end

function Container:cleanup()
	check(C.ctr_cleanup(cp(self, "cleanup")))
end

function Container:remove(o)
	check(C.ctr_remove(cp(self, "remove"), force_flag(o, "remove")))
end

function Container:sync()
	check(C.ctr_sync(cp(self, "sync")))
end

--- Run fn(c) holding the container's lock, synced once; returns fn's results.
function Container:batch(fn)
	local p = cp(self, "batch")
	want(fn, "function", "batch", "fn")
	local results
	with_callback("ctr_batch_fn", function()
		results = { n = 0 }
		local function keep(...)
			results = { n = select("#", ...), ... }
		end
		keep(fn(self))
	end, function(cb)
		return C.ctr_batch(p, cb, nil)
	end)
	return unpack(results, 1, results.n)
end

---------------------------------------------------------------------------------------
-- Attach and logs

local attach_known = set("stdin_fd", "stdout_fd", "stderr_fd", "mux_fd", "detach_keys",
	"logs", "start", "stdin", "no_stdin_close")

--- Copy between the descriptors and the container's stdio until its output ends (returns
-- false) or the detach keys are typed (returns true). stdin (mux_fd mode): read the
-- container's stdin from mux_fd. The descriptors are left open.
function Container:attach(o)
	local p = cp(self, "attach")
	local where = "attach"
	o = opts_table(o, where, attach_known)
	local opts = ffi.new("ctr_attach_opts_t")
	opts.sz = ffi.sizeof(opts)
	opts.flags = flags_of(o, { stdin = 0x1, logs = 0x2, start = 0x4, no_stdin_close = 0x8 }, where)
	opts.stdin_fd = opt_int(o.stdin_fd, -1, where, "stdin_fd", -1)
	opts.stdout_fd = opt_int(o.stdout_fd, -1, where, "stdout_fd", -1)
	opts.stderr_fd = opt_int(o.stderr_fd, -1, where, "stderr_fd", -1)
	opts.mux_fd = opt_int(o.mux_fd, -1, where, "mux_fd", -1)
	opts.detach_keys = opt_str(o.detach_keys, where, "detach_keys")
	return check(C.ctr_attach(p, opts)) == 1
end

function Container:resize(rows, cols)
	check(C.ctr_attach_resize(cp(self, "resize"), int(rows, "resize", "rows", 0, 0xffffffff),
		int(cols, "resize", "cols", 0, 0xffffffff)))
end

local logs_known = set("tail", "since", "until", "timestamps", "follow", "fn")
local stream_names = { [0] = "stdin", "stdout", "stderr" }

--- The log's lines, oldest first: a list of { stream = "stdout"|"stderr", time_ns, time,
-- data, partial }. With fn, fn(line) is called for each instead (a true return stops).
-- tail: the last N lines (< 0: none); follow: wait for new lines until the run ends.
function Container:logs(o)
	local p = cp(self, "logs")
	local where = "logs"
	o = opts_table(o, where, logs_known)
	local opts = ffi.new("ctr_logs_opts_t")
	opts.sz = ffi.sizeof(opts)
	opts.flags = flags_of(o, { follow = 0x1, timestamps = 0x2 }, where)
	opts.since_ns, opts.until_ns = K.time_bounds(o, where)
	opts.tail = ll(o.tail, where, "tail")
	if o.fn ~= nil then
		want(o.fn, "function", where, "fn")
	end
	local lines = {}
	with_callback("ctr_log_fn", function(l)
		local line = {
			stream = stream_names[l.stream] or tostring(l.stream),
			partial = l.partial ~= 0,
			time_ns = ffi.new("int64_t", l.time_ns),
			time = K.seconds_of_ns(l.time_ns),
			data = ffi.string(l.data, l.len),
		}
		if o.fn then
			return o.fn(line)
		end
		lines[#lines + 1] = line
	end, function(cb)
		return C.ctr_logs(p, opts, cb, nil)
	end)
	return lines
end

---------------------------------------------------------------------------------------
-- Checkpoint, restore, filesystems, artifacts

local ckpt_known = set("target_file", "name", "keep", "leave_running", "tcp_established",
	"ignore_rootfs")

function Container:checkpoint(o)
	local p = cp(self, "checkpoint")
	o = opts_table(o, "checkpoint", ckpt_known)
	local opts = ffi.new("ctr_checkpoint_opts_t")
	opts.sz = ffi.sizeof(opts)
	opts.flags = flags_of(o, { keep = 0x1, leave_running = 0x2, tcp_established = 0x4,
		ignore_rootfs = 0x8 }, "checkpoint")
	opts.target_file = opt_str(o.target_file, "checkpoint", "target_file")
	opts.name = opt_str(o.name, "checkpoint", "name")
	check(C.ctr_checkpoint(p, opts))
end

function Container:restore(o)
	local p = cp(self, "restore")
	local opts = restore_opts(o, "restore")
	check(C.ctr_restore(p, opts))
end

function Container:export(path)
	check(C.ctr_export(cp(self, "export"), str(path, "export", "path")))
end

--- The mounted root filesystem's path; let go of it with unmount().
function Container:mount()
	local out = ffi.new("char *[1]")
	check(C.ctr_mount(cp(self, "mount"), out))
	return take_string(out[0])
end

--- force (true or { force = true }: CTR_FORCE) unmounts even while the mount is used.
function Container:unmount(o)
	check(C.ctr_unmount(cp(self, "unmount"), force_flag(o, "unmount")))
end

function Container:artifact_add(name, data)
	local p = cp(self, "artifact_add")
	str(name, "artifact_add", "name")
	want(data, "string", "artifact_add", "data")
	check(C.ctr_artifact_add(p, name, data, #data))
end

function Container:artifact_get(name)
	local p = cp(self, "artifact_get")
	local data, len = ffi.new("void *[1]"), ffi.new("size_t[1]")
	check(C.ctr_artifact_get(p, str(name, "artifact_get", "name"), data, len))
	return take_string(ffi.cast("char *", data[0]), tonumber(len[0]))
end

function Container:artifact_remove(name)
	check(C.ctr_artifact_remove(cp(self, "artifact_remove"), str(name, "artifact_remove", "name")))
end

function Container:artifact_list()
	local names, count = ffi.new("char **[1]"), ffi.new("size_t[1]")
	check(C.ctr_artifact_list(cp(self, "artifact_list"), names, count))
	return take_strv(names[0], count[0])
end

-- A container object owning handle p (freed by the gc), or borrowing it from owner.
function Container._wrap(p, owner)
	if owner then
		return setmetatable({ _p = p, _owner = owner }, Container)
	end
	return setmetatable({ _p = ffi.gc(p, C.ctr_container_free), }, Container)
end
Container._restore_opts = restore_opts
require("ctr.exec").install(Container, cp)

-- Their C call runs a Lua callback: no JIT ("bad callback").
jit.off(Container.batch)
jit.off(Container.logs)

return Container
