-- Exec: c:exec{} (one call: run a process, return its exit code and output), and exec
-- sessions as objects, like Python's subprocess.Popen: c:exec_create{} and c:exec_list()
-- return them; s:start(), s:wait(timeout), s:poll(), s:kill(sig), ... act on them.
-- container.lua installs the Container methods (M.install). See ctr.lua for the
-- conventions.
local ffi = require "ffi"
local K = require "ctr.core"
local pipes = require "ctr.pipes"

local C, E = K.C, K.E
local new_error, c_error, check, type_error = K.new_error, K.c_error, K.check, K.type_error
local want, opt_str, int, opt_int, flag = K.want, K.opt_str, K.int, K.opt_int, K.flag
local set, strv, take_strv, take_string = K.set, K.strv, K.take_strv, K.take_string
local signal, force_flag, timeout_ms = K.signal, K.force_flag, K.timeout_ms

local M = {}

local exec_known = set("argv", "env", "cwd", "user", "terminal", "privileged", "stdin",
	"stdin_fd", "stdout_fd", "stderr_fd", "preserve_fds", "timeout")
-- Names of earlier versions, named in the error that refuses them.
local renamed = { args = "argv", timeout_ms = "timeout (in seconds)" }

local int_out = ffi.new("int[1]")

-- The options table, its keys checked: exec's names, or a list (the argv itself).
local function exec_table(o, where)
	want(o, "table", where, "options")
	for k in pairs(o) do
		if type(k) ~= "number" and not exec_known[k] then
			if renamed[k] then
				type_error("%s: unknown option %s (it is %s)", where, k, renamed[k])
			end
			type_error("%s: unknown option %s", where, tostring(k))
		end
	end
	return o
end

-- A ctr_exec_opts_t and the values it points into (keep them alive with it).
local function exec_opts(o, where)
	local anchor = {}
	local opts = ffi.new("ctr_exec_opts_t")
	opts.sz = ffi.sizeof(opts)
	local argv = o.argv
	if o[1] ~= nil then -- c:exec{ "sh", "-c", "..." }: the list is argv
		if argv ~= nil then
			type_error("%s: argv given twice (as argv and as the list)", where)
		end
		argv = {}
		for i = 1, #o do
			argv[i] = o[i]
		end
	end
	if argv == nil then
		type_error("%s: argv needed", where)
	end
	anchor.argv = strv(argv, where, "argv")
	opts.argv = anchor.argv
	if o.env ~= nil then
		anchor.env = strv(o.env, where, "env")
		opts.env = anchor.env
	end
	opts.cwd = opt_str(o.cwd, where, "cwd")
	if type(o.user) == "number" then -- a uid
		anchor.user = tostring(int(o.user, where, "user", 0))
	else
		anchor.user = opt_str(o.user, where, "user")
	end
	opts.user = anchor.user
	opts.terminal = flag(o.terminal, where, "terminal") and 1 or 0
	opts.privileged = flag(o.privileged, where, "privileged") and 1 or 0
	opts.stdin_fd = opt_int(o.stdin_fd, -1, where, "stdin_fd", -1)
	opts.stdout_fd = opt_int(o.stdout_fd, -1, where, "stdout_fd", -1)
	opts.stderr_fd = opt_int(o.stderr_fd, -1, where, "stderr_fd", -1)
	if o.preserve_fds ~= nil then
		want(o.preserve_fds, "table", where, "preserve_fds")
		local n = #o.preserve_fds
		anchor.fds = ffi.new("int[?]", math.max(n, 1))
		for i = 1, n do
			anchor.fds[i - 1] = int(o.preserve_fds[i], where, "preserve_fds[" .. i .. "]", 0)
		end
		opts.preserve_fds, opts.n_preserve_fds = anchor.fds, n
	end
	return opts, anchor
end

---------------------------------------------------------------------------------------
-- Sessions

local Session = {}
Session.__index = Session
M.Session = Session

local cp -- container.lua's check of a container object, given by M.install

-- The container's handle and the session's id, checked.
local function sp(self, op)
	if getmetatable(self) ~= Session then
		type_error("exec session %s: call it as s:%s(...)", op, op)
	end
	return cp(self.container, "exec " .. op), self.id
end

local function new_session(container, id)
	return setmetatable({ container = container, id = id }, Session)
end

Session.__tostring = function(self)
	return "ctr.exec_session(" .. self.id .. ")"
end
Session.__eq = function(a, b)
	return a.id == b.id and a.container == b.container
end

--- Start the created session's process; returns once it runs.
function Session:start()
	local p, id = sp(self, "start")
	check(C.ctr_exec_start(p, id))
end

--- Wait for the process to exit and return its exit code (128 + N when killed by
-- signal N). timeout in seconds (nil: forever; 0: just look). Raises Timeout, StateError
-- when it was not started.
function Session:wait(timeout)
	local p, id = sp(self, "wait")
	check(C.ctr_exec_wait(p, id, timeout_ms(timeout, "exec wait", "timeout"), int_out))
	return int_out[0]
end

--- The exit code if the process has exited, else nil (Popen.poll()).
function Session:poll()
	local p, id = sp(self, "poll")
	local r = C.ctr_exec_wait(p, id, 0, int_out)
	if r == E.TIMEOUT then
		return nil
	end
	check(r)
	return int_out[0]
end

--- A descriptor readable once the process has exited; the caller closes it (ctr.close_fd).
function Session:wait_fd()
	local p, id = sp(self, "wait_fd")
	return check(C.ctr_exec_wait_fd(p, id))
end

--- Send sig (a number or "TERM"/"SIGTERM"; default KILL) to the running process.
function Session:kill(sig)
	local p, id = sp(self, "kill")
	check(C.ctr_exec_kill(p, id, sig == nil and 9 or signal(sig, "exec kill")))
end

--- Resize the session's terminal (it was created with terminal = true).
function Session:resize(rows, cols)
	local p, id = sp(self, "resize")
	check(C.ctr_exec_resize(p, id, int(rows, "exec resize", "rows", 0, 0xffffffff),
		int(cols, "exec resize", "cols", 0, 0xffffffff)))
end

--- Remove the session's record; force (true or { force = true }) kills a running one
-- first, else that is a StateError.
function Session:remove(o)
	local p, id = sp(self, "remove")
	check(C.ctr_exec_remove(p, id, force_flag(o, "exec remove")))
end

---------------------------------------------------------------------------------------
-- The container's methods

local function exec_capture(self, p, o)
	local input = o.stdin
	if input ~= nil then
		want(input, "string", "exec", "stdin")
	end
	local timeout = o.timeout
	local ms = timeout ~= nil and timeout_ms(timeout, "exec", "timeout") or nil
	local opts, anchor = exec_opts(o, "exec") -- anchor: what opts points into
	local mine, theirs = {}, {} -- our ends and the process's
	local function close_all()
		for _, fd in pairs(mine) do pipes.close(fd) end
		for _, fd in pairs(theirs) do pipes.close(fd) end
	end
	local function pipe(name, ours)
		local r, w = pipes.pipe(ours)
		if not r then
			close_all()
			error(new_error(E.IO, "container " .. self:name() .. ": exec: " .. w), 0)
		end
		if ours == "r" then mine[name], theirs[name] = r, w else mine[name], theirs[name] = w, r end
	end
	if input then
		pipe("stdin", "w")
		opts.stdin_fd = theirs.stdin
	end
	pipe("stdout", "r")
	pipe("stderr", "r")
	opts.stdout_fd, opts.stderr_fd = theirs.stdout, theirs.stderr
	local idp = ffi.new("char *[1]")
	local r = C.ctr_exec_create(p, opts, idp)
	local failure = r < 0 and c_error(r)
	anchor = nil
	for k, fd in pairs(theirs) do -- the handle holds its own copies now
		pipes.close(fd)
		theirs[k] = nil
	end
	if failure then
		close_all()
		error(failure, 0)
	end
	local id = take_string(idp[0])
	r = C.ctr_exec_start(p, id)
	if r < 0 then
		failure = c_error(r)
		C.ctr_exec_remove(p, id, 2)
		close_all()
		error(failure, 0)
	end
	local done = C.ctr_exec_wait_fd(p, id)
	local deadline = ms and pipes.now_ms() + ms
	local out, err = pipes.communicate(mine.stdin, input, mine.stdout, mine.stderr,
		done >= 0 and done or nil, deadline)
	mine = {}
	if done >= 0 then
		pipes.close(done)
	end
	if not out then
		C.ctr_exec_remove(p, id, 2)
		if err == "timeout" then
			error(new_error(E.TIMEOUT, string.format("container %s: exec: timed out after %g s",
				self:name(), timeout)), 0)
		end
		error(new_error(E.IO, "container " .. self:name() .. ": exec: " .. err), 0)
	end
	r = C.ctr_exec_wait(p, id, -1, int_out)
	local code = int_out[0]
	if r < 0 then
		failure = c_error(r)
		C.ctr_exec_remove(p, id, 2)
		error(failure, 0)
	end
	check(C.ctr_exec_remove(p, id, 0))
	return code, out, err
end

local Methods = {}

--- Run a process in the container. Returns exit_code, stdout, stderr (strings) with the
-- output captured through pipes and `stdin` (a string, optional) fed to it; timeout
-- (seconds; nil: none) kills it then and raises Timeout. When any of stdin_fd/stdout_fd/
-- stderr_fd is given, those descriptors are used instead and only the exit code is
-- returned.
function Methods:exec(o)
	local p = cp(self, "exec")
	o = exec_table(o, "exec")
	if o.stdin_fd or o.stdout_fd or o.stderr_fd then
		if o.stdin ~= nil or o.timeout ~= nil then
			type_error("exec: stdin and timeout go with captured output, not with *_fd")
		end
		local opts, anchor = exec_opts(o, "exec") -- anchor: what opts points into
		check(C.ctr_exec(p, opts, int_out))
		anchor = nil
		return int_out[0]
	end
	return exec_capture(self, p, o)
end

--- A new exec session (not started): exec's options with descriptors (stdin_fd,
-- stdout_fd, stderr_fd; default none, /dev/null), duplicated now.
function Methods:exec_create(o)
	local p = cp(self, "exec_create")
	o = exec_table(o, "exec_create")
	if o.stdin ~= nil or o.timeout ~= nil then
		type_error("exec_create: stdin and timeout are exec's; give stdin_fd, use s:wait(timeout)")
	end
	local opts, anchor = exec_opts(o, "exec_create") -- anchor: what opts points into
	local idp = ffi.new("char *[1]")
	check(C.ctr_exec_create(p, opts, idp))
	anchor = nil
	return new_session(self, take_string(idp[0]))
end

--- The container's exec sessions, oldest first, as session objects.
function Methods:exec_list()
	local ids, count = ffi.new("char **[1]"), ffi.new("size_t[1]")
	check(C.ctr_exec_list(cp(self, "exec_list"), ids, count))
	local list = take_strv(ids[0], count[0])
	for i, id in ipairs(list) do
		list[i] = new_session(self, id)
	end
	return list
end

-- Add the methods to Container; check(self, op) returns a container object's handle.
function M.install(Container, check_container)
	cp = check_container
	for name, f in pairs(Methods) do
		Container[name] = f
	end
end

return M
