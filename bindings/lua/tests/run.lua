-- Tests of the Lua binding against the built library and real runc.
--
--   luajit bindings/lua/tests/run.lua [PATTERN]    (from the repository's root, as root)
--
-- Prints "ok N name", "not ok N name: why" or "ok N name # SKIP why", then a summary;
-- exits 1 if a test failed. PATTERN (a Lua pattern) runs only the tests whose name
-- matches. Environment as the C integration tests: CTR_TEST_ROOTFS (a busybox rootfs),
-- CTR_MONITOR, CTR_CLEANUP, CTR_FAKE_RUNTIME; each defaults to the build tree. Tests that
-- run containers are skipped, with the reason, when the rootfs is missing. Each test gets
-- its own state and run directories under /tmp, removed afterwards.
local ffi = require "ffi"

-- <repo>, from this file's path (bindings/lua/tests/run.lua).
local function repo_root()
	local src = debug.getinfo(1, "S").source:sub(2)
	local f = io.popen("realpath '" .. src .. "'")
	local path = f:read("*l")
	f:close()
	return (path:gsub("/bindings/lua/tests/run%.lua$", ""))
end
local REPO = repo_root()
package.path = REPO .. "/bindings/lua/?.lua;" .. package.path

local ctr = require "ctr"
local C = ffi.C

local function env_or(name, default)
	local v = os.getenv(name)
	if v == nil or v == "" then
		C.setenv(name, default, 1)
		return default
	end
	return v
end
env_or("CTR_MONITOR", REPO .. "/build/ctr-monitor")
env_or("CTR_CLEANUP", REPO .. "/build/ctr-cleanup")
local ROOTFS = env_or("CTR_TEST_ROOTFS", REPO .. "/build/rootfs")
local FAKE_RUNTIME = env_or("CTR_FAKE_RUNTIME", REPO .. "/tests/fake-runtime/fake-runtime")

local function exists(path)
	local f = io.open(path)
	if f then
		f:close()
	end
	return f ~= nil
end

-- Run a shell command: its output (stdout and stderr) and exit status.
local function sh(cmd)
	local f = io.popen("(" .. cmd .. ") 2>&1; echo \"__rc=$?\"")
	local out = f:read("*a")
	f:close()
	local rc = tonumber(out:match("__rc=(%d+)%s*$"))
	return out:gsub("__rc=%d+%s*$", ""), rc
end

local ROOTFS_MISSING = not exists(ROOTFS .. "/bin/sh")
	and "no busybox rootfs at " .. ROOTFS .. " (tests/fixtures/mkrootfs.sh build/rootfs)"
local NOT_ROOT = sh("id -u"):match("^0") == nil and "not root"

---------------------------------------------------------------------------------------
-- Assertions: each raises a string naming what differed.

local function fail(fmt, ...)
	error(string.format(fmt, ...), 2)
end

local function eq(got, want, what)
	if got ~= want then
		error(string.format("%s: got %s, want %s", what or "value", tostring(got),
			tostring(want)), 2)
	end
end

local function has(s, needle, what)
	if type(s) ~= "string" or not s:find(needle, 1, true) then
		error(string.format("%s: %q does not contain %q", what or "string", tostring(s), needle), 2)
	end
end

-- Call f(...), which must raise a binding error named name; return the error.
local function raises(name, f, ...)
	local ok, e = pcall(f, ...)
	if ok then
		error("expected " .. name .. ", got success", 2)
	end
	if not ctr.is_error(e) then
		error("expected " .. name .. ", got " .. tostring(e), 2)
	end
	if e.name ~= name then
		error("expected " .. name .. ", got " .. tostring(e), 2)
	end
	return e
end

local function now()
	local ts = ffi.new("struct timespec")
	C.clock_gettime(1, ts)
	return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

-- poll() one descriptor for reading: true if readable within timeout_ms.
local function readable(fd, timeout_ms)
	local p = ffi.new("struct pollfd[1]")
	p[0].fd, p[0].events = fd, 1
	return C.poll(p, 1, timeout_ms) == 1
end

local function pipe()
	local fds = ffi.new("int[2]")
	assert(C.pipe2(fds, 0x80000) == 0, "pipe2")
	return fds[0], fds[1]
end

local function write_all(fd, s)
	assert(C.write(fd, s, #s) == #s, "write")
end

local function read_all(fd)
	local buf, parts = ffi.new("char[4096]"), {}
	while true do
		local n = tonumber(C.read(fd, buf, 4096))
		if n <= 0 then
			break
		end
		parts[#parts + 1] = ffi.string(buf, n)
	end
	return table.concat(parts)
end

---------------------------------------------------------------------------------------
-- A test's world: a temporary base directory, a runtime over it, cleaned up afterwards.

local World = {}
World.__index = World
pcall(ffi.cdef, "int getpid(void); int kill(int pid, int sig);")

-- /tmp/ctrlua.<our pid>.XXXXXX: a later run sweeps what a killed run left.
local function new_world()
	local base = sh("mktemp -d /tmp/ctrlua." .. C.getpid() .. ".XXXXXX"):gsub("%s+$", "")
	assert(base:match("^/tmp/ctrlua%."), "mktemp: " .. base)
	return setmetatable({ base = base, runtimes = {} }, World)
end

function World:runtime(more)
	local o = { state_dir = self.base .. "/s", run_dir = self.base .. "/r", nosync = true }
	for k, v in pairs(more or {}) do
		o[k] = v
	end
	local rt = ctr.runtime(o)
	table.insert(self.runtimes, o)
	return rt
end

-- A container running /bin/sh -c script on the busybox rootfs, with <base>/io at /shared
-- (more: other options).
function World:create(rt, script, more)
	sh("mkdir -p " .. self.base .. "/io")
	local o = { rootfs = ROOTFS, args = { "/bin/sh", "-c", script }, stop_timeout = 2,
		mounts = { { source = self.base .. "/io", destination = "/shared" } } }
	for k, v in pairs(more or {}) do
		o[k] = v
	end
	return rt:create(o)
end

-- Remove every container (force), then what a failure may have left: runtime state,
-- monitors (by pid, those whose command line names our base), mounts, the directory.
function World:cleanup()
	local rt = ctr.runtime { state_dir = self.base .. "/s", run_dir = self.base .. "/r",
		nosync = true }
	for _, c in ipairs(rt:list()) do
		pcall(c.stop, c, 0)
		pcall(c.remove, c, { force = true })
	end
	rt:close()
	local root = self.base .. "/r/runtime"
	for id in sh("ls " .. root .. " 2>/dev/null"):gmatch("%S+") do
		sh("runc --root " .. root .. " delete --force " .. id)
	end
	for pid in sh("ls /proc"):gmatch("%d+") do
		local f = io.open("/proc/" .. pid .. "/cmdline")
		local cmd = f and f:read("*a") or ""
		if f then
			f:close()
		end
		if cmd:find(self.base, 1, true) and tonumber(pid) ~= C.getpid() then
			C.kill(tonumber(pid), 9)
		end
	end
	local f = io.open("/proc/self/mounts")
	local mounts = f:read("*a")
	f:close()
	for target in mounts:gmatch("%S+ (%S+) ") do
		if target:sub(1, #self.base) == self.base then
			sh("umount -l " .. target)
		end
	end
	sh("rm -rf " .. self.base)
end


-- Wait until the container has touched /shared/<name> (then remove it).
function World:take_file(name, timeout_ms)
	local path = self.base .. "/io/" .. name
	local t0 = now()
	while not exists(path) do
		if now() - t0 > timeout_ms / 1000 then
			fail("%s did not appear within %d ms", path, timeout_ms)
		end
		sh("sleep 0.02")
	end
	os.remove(path)
end

---------------------------------------------------------------------------------------
-- The runner

local tests = {}
local function test(name, opts, fn)
	if fn == nil then
		opts, fn = {}, opts
	end
	tests[#tests + 1] = { name = name, fn = fn, needs = opts }
end

---------------------------------------------------------------------------------------
-- Tests without containers

test("library_loads_and_reports_version_and_features", function()
	eq(ctr.version(), "1.0.0", "version")
	eq(ctr.version_number(), 1000000, "version_number")
	eq(ctr.has_feature("checkpoint"), true, "checkpoint feature")
	eq(ctr.has_feature("no-such-feature"), false, "unknown feature")
	eq(ctr.strerror(ctr.E.STATE), "operation not allowed in the container's state", "strerror")
	has(ctr.library_path, "libctr", "library_path")
	eq(ctr.states[3], "running", "states[3]")
end)

test("cdef_declares_every_exported_symbol", function()
	local f = assert(io.open(REPO .. "/libctr/libctr.map"))
	local n = 0
	for sym in f:read("*a"):gmatch("(ctr_[%w_]+);") do
		local ok, fn = pcall(function()
			return ctr.lib[sym]
		end)
		if not ok or fn == nil then
			fail("%s is not declared or not exported: %s", sym, tostring(fn))
		end
		n = n + 1
	end
	f:close()
	if n < 80 then
		fail("only %d symbols in libctr.map", n)
	end
end)

-- sizeof and offsetof of every struct in the headers, compared with the FFI's.
local structs = {
	ctr_runtime_opts_t = { "sz", "state_dir", "run_dir", "oci_runtime", "monitor_path", "flags",
		"runtime_timeout_ms" },
	ctr_event_t = { "sz", "time_ns", "type", "id", "name", "attributes" },
	ctr_events_opts_t = { "sz", "container", "type", "since_ns", "until_ns", "follow" },
	ctr_exec_opts_t = { "sz", "argv", "env", "cwd", "user", "terminal", "privileged", "stdin_fd",
		"stdout_fd", "stderr_fd", "preserve_fds", "n_preserve_fds" },
	ctr_attach_opts_t = { "sz", "flags", "stdin_fd", "stdout_fd", "stderr_fd", "mux_fd",
		"detach_keys" },
	ctr_log_line_t = { "sz", "stream", "partial", "time_ns", "data", "len" },
	ctr_logs_opts_t = { "sz", "flags", "since_ns", "until_ns", "tail" },
	ctr_checkpoint_opts_t = { "sz", "flags", "target_file", "name" },
	ctr_restore_opts_t = { "sz", "flags", "import_file", "name" },
}

test("cdef_struct_layouts_match_the_headers", { cc = true }, function(w)
	local src = { "#include <stdio.h>", "#include <stddef.h>", "#include <ctr/ctr.h>",
		"int main(void) {" }
	local want = {}
	for ty, fields in pairs(structs) do
		src[#src + 1] = string.format('printf("%s %%zu\\n", sizeof(%s));', ty, ty)
		want[ty] = tostring(ffi.sizeof(ty))
		for _, f in ipairs(fields) do
			src[#src + 1] = string.format('printf("%s.%s %%zu\\n", offsetof(%s, %s));', ty, f, ty, f)
			want[ty .. "." .. f] = tostring(ffi.offsetof(ty, f))
		end
	end
	for _, e in ipairs { "ctr_state_t", "ctr_restart_t", "ctr_network_t", "pid_t" } do
		src[#src + 1] = string.format('printf("%s %%zu\\n", sizeof(%s));', e, e)
		want[e] = tostring(ffi.sizeof(e))
	end
	src[#src + 1] = "return 0; }"
	local cfile, exe = w.base .. "/layout.c", w.base .. "/layout"
	local f = assert(io.open(cfile, "w"))
	f:write(table.concat(src, "\n"))
	f:close()
	local out, code = sh(string.format("cc -I%s/include -o %s %s", REPO, exe, cfile))
	if code ~= 0 then
		fail("cc: %s", out)
	end
	local n = 0
	for key, val in sh(exe):gmatch("(%S+) (%d+)") do
		eq(want[key], val, key)
		n = n + 1
	end
	if n < 50 then
		fail("only %d layout values compared", n)
	end
end)

test("library_not_found_lists_every_place_tried", function(w)
	-- A copy of the module outside a source tree, so no build tree is near it.
	sh(string.format("mkdir -p %s/lua/ctr && cp %s/bindings/lua/ctr.lua %s/lua/ && cp %s/bindings/lua/ctr/*.lua %s/lua/ctr/",
		w.base, REPO, w.base, REPO, w.base))
	local run = string.format(
		"CTR_LIBRARY=%s/nowhere/libctr.so.1 luajit -e 'package.path=\"%s/lua/?.lua;\"..package.path; require \"ctr\"'",
		w.base, w.base)
	local out, code = sh(run)
	if code == 0 then
		local sys = sh("ldconfig -p | grep libctr.so.1")
		if sys ~= "" then
			return "skip", "libctr is installed system-wide: " .. sys:gsub("%s+$", "")
		end
		fail("require succeeded without a library: %s", out)
	end
	has(out, "cannot load libctr", "message")
	has(out, w.base .. "/nowhere/libctr.so.1 (CTR_LIBRARY)", "message")
	has(out, "ctr (system library path)", "message")
	has(out, "libctr.so.1 (system library path)", "message")
	-- From the source tree, a bad CTR_LIBRARY falls back to the build tree.
	out, code = sh(string.format(
		"cd %s && CTR_LIBRARY=/nowhere/libctr.so.1 luajit -e 'package.path=\"bindings/lua/?.lua;\"..package.path; print(require(\"ctr\").library_path)'",
		REPO))
	eq(code, 0, "fallback exit status (" .. out .. ")")
	has(out, REPO .. "/build/libctr.so.1", "fallback library_path")
	-- CTR_LIBRARY wins when it loads.
	out = sh(string.format(
		"CTR_LIBRARY=%s/build/libctr.so.1.0.0 luajit -e 'package.path=\"%s/lua/?.lua;\"..package.path; print(require(\"ctr\").library_path)'",
		REPO, w.base))
	has(out, REPO .. "/build/libctr.so.1.0.0", "CTR_LIBRARY library_path")
end)

test("runtime_options_are_type_checked_before_any_c_call", function(w)
	raises("TypeError", ctr.runtime, 5)
	raises("TypeError", ctr.runtime, { state_dir = 5 })
	raises("TypeError", ctr.runtime, { statedir = "/tmp/x" })
	raises("TypeError", ctr.runtime, { nosync = "yes" })
	raises("TypeError", ctr.runtime, { runtime_timeout_ms = -1 })
	raises("TypeError", ctr.runtime, { state_dir = "a\0b" })
	local e = raises("TypeError", ctr.has_feature, nil)
	eq(e.code, ctr.E.INVAL, "TypeError's code")
	raises("TypeError", ctr.strerror, "x")
	raises("TypeError", ctr.close_fd, nil)
	local rt = w:runtime()
	raises("TypeError", rt.create, rt, nil)
	raises("TypeError", rt.create, rt, "rootfs")
	raises("TypeError", rt.create, rt, { rootfs = ROOTFS, args = "/bin/true" })
	raises("TypeError", rt.create, rt, { rootfs = ROOTFS, args = { "/bin/true", 5 } })
	e = raises("TypeError", rt.create, rt, { rootfs = ROOTFS, args = { "/bin/true" }, nmae = "x" })
	has(e.message, "unknown option nmae", "message")
	raises("TypeError", rt.create, rt, { rootfs = ROOTFS, args = { "/bin/true" }, labels = "a=b" })
	raises("TypeError", rt.create, rt, { rootfs = ROOTFS, args = { "/bin/true" }, user = "root" })
	raises("TypeError", rt.create, rt, { rootfs = ROOTFS, args = { "/bin/true" }, restart_policy = "sometimes" })
	raises("TypeError", rt.lookup, rt, nil)
	raises("TypeError", rt.lookup, rt, 42)
	raises("TypeError", rt.lookup, nil, "x") -- rt.lookup without rt
	raises("TypeError", rt.events, rt, { follow = true }) -- follow needs fn
	raises("TypeError", rt.events, rt, { since_ns = "yesterday" })
	raises("TypeError", rt.import, rt, nil)
	eq(#rt:list(), 0, "nothing was created")
	-- The library's own refusals are InvalidArgument with its message.
	e = raises("InvalidArgument", rt.create, rt, { rootfs = "relative/path", args = { "/bin/true" } })
	has(e.message, "relative/path", "message")
	e = raises("InvalidArgument", rt.create, rt, { rootfs = ROOTFS, args = { "/bin/true" }, name = "bad name!" })
	rt:close()
	raises("TypeError", rt.list, rt)
	rt:close() -- twice is fine
end)

test("config_json_round_trips_through_create", { rootfs = true }, function(w)
	local json = ctr.config_json { name = "fromjson", rootfs = ROOTFS, args = { "/bin/true" },
		labels = { tier = "web" } }
	has(json, '"name":"fromjson"', "config json")
	local rt = w:runtime()
	local c = rt:create { json = json, hostname = "h1" }
	eq(c:name(), "fromjson", "name")
	has(c:inspect(), '"tier":"web"', "inspect")
	has(c:inspect(), '"hostname":"h1"', "inspect")
	raises("InvalidArgument", rt.create, rt, { json = "{\"bogus\":1}" })
end)

test("detach_keys_valid_answers_a_boolean", function()
	eq(ctr.detach_keys_valid("ctrl-p,ctrl-q"), true, "ctrl-p,ctrl-q")
	eq(ctr.detach_keys_valid(nil), true, "nil")
	local ok, why = ctr.detach_keys_valid("ctrl-")
	eq(ok, false, "ctrl-")
	has(why, "ctrl-", "reason")
end)

---------------------------------------------------------------------------------------
-- Containers

test("lifecycle_and_exit_code", { rootfs = true }, function(w)
	local rt = w:runtime()
	local c = w:create(rt, "exit 3", { name = "life" })
	eq(c:name(), "life", "name")
	eq(#c:id(), 64, "id length")
	eq(c:state(), "configured", "state")
	raises("StateError", c.exit_code, c) -- never exited
	c:start()
	eq(c:wait(10000), 3, "exit code")
	eq(c:state(), "stopped", "state after exit")
	eq(c:pid(), 0, "pid after exit")
	c:cleanup()
	eq(c:state(), "exited", "state after cleanup")
	eq(c:exit_code(), 3, "exit_code()")
	c:init()
	eq(c:state(), "created", "state after init")
	assert(c:pid() > 0, "a created container has a pid")
	c:start()
	eq(c:wait(10000), 3, "second run's exit code")
	has(c:inspect(), '"name":"life"', "inspect")
	c:remove()
	raises("Removed", c.state, c)
	raises("NotFound", rt.lookup, rt, "life")
end)

test("stop_kill_restart_and_signals_by_name", { rootfs = true }, function(w)
	local rt = w:runtime()
	-- The shell is PID 1 of its namespace: only the signals it traps reach it.
	local c = w:create(rt, "trap 'exit 7' TERM; trap 'exit 8' USR1; touch /shared/ready; "
		.. "while :; do sleep 0.1; done")
	c:start()
	c:wait_condition("running", 5000)
	w:take_file("ready", 5000)
	c:kill("SIGUSR1")
	eq(c:wait(10000), 8, "exit code of the USR1 trap")
	c:restart()
	eq(c:state(), "running", "after restart")
	w:take_file("ready", 5000)
	c:stop(5)
	eq(c:exit_code(), 7, "stopped gracefully by SIGTERM")
	raises("Stopped", c.stop, c)
	raises("TypeError", c.kill, c, "NOSUCHSIG")
	raises("TypeError", c.wait_condition, c, "sleeping")
end)

test("errors_are_tables_with_code_name_and_message", { rootfs = true }, function(w)
	local rt = w:runtime()
	local c = w:create(rt, "sleep 30", { name = "errs" })
	local e = raises("StateError", c.pause, c)
	eq(e.code, ctr.E.STATE, "code")
	eq(e.code, -4000, "code value")
	has(e.message, "errs", "message names the container")
	has(e.message, "configured", "message names the state")
	eq(tostring(e), "StateError: " .. e.message, "tostring")
	assert(ctr.is_error(e, "StateError") and not ctr.is_error(e, "NotFound"), "is_error")
	assert(not ctr.is_error("a string"), "is_error of a string")
	c:start()
	e = raises("StateError", c.remove, c)
	has(e.message, "errs", "message")
	has(e.message, "running", "message")
	e = raises("NotFound", rt.lookup, rt, "no-such-container")
	eq(e.code, ctr.E.NOENT, "NotFound's code")
	has(e.message, "no-such-container", "message")
	e = raises("Exists", w.create, w, rt, "true", { name = "errs" })
	eq(e.code, ctr.E.EXISTS, "Exists' code")
	-- The message is read right after the failing call.
	raises("StateError", c.unpause, c)
	has(ctr.last_error(), "errs", "last_error")
	c:stop(0)
	c:remove()
end)

test("misuse_of_container_handles_raises_not_crashes", { rootfs = true }, function(w)
	local rt = w:runtime()
	local c = w:create(rt, "sleep 30")
	raises("TypeError", c.start) -- c.start() for c:start()
	raises("TypeError", c.start, rt)
	raises("TypeError", c.start, c, { recursiv = true })
	raises("TypeError", c.stop, c, "soon")
	raises("TypeError", c.wait, c, 1.5)
	raises("TypeError", c.artifact_add, c, nil, "x")
	raises("TypeError", c.artifact_add, c, "name", 42)
	raises("TypeError", c.exec, c, { args = 5 })
	raises("TypeError", c.exec, c, {})
	raises("TypeError", c.exec, c, { args = { "/bin/true" }, stdin = 5 })
	raises("TypeError", c.exec, c, { args = { "/bin/true" }, stdout_fd = "x" })
	raises("TypeError", c.logs, c, { tail = "all" })
	raises("TypeError", c.attach, c, { stdout_fd = -2 })
	raises("TypeError", c.checkpoint, c, { leave_runing = true })
	raises("TypeError", c.batch, c, nil)
	raises("TypeError", c.resize, c, -1, 80)
	raises("TypeError", c.export, c, nil)
	local name = c:name()
	c:free()
	local e = raises("TypeError", c.state, c)
	has(e.message, name, "a freed handle's message")
	has(e.message, "freed", "a freed handle's message")
	raises("TypeError", c.start, c)
	c:free() -- twice is fine
	eq(tostring(c), "ctr.container(freed)", "tostring of a freed handle")
end)

test("list_and_lookup", { rootfs = true }, function(w)
	local rt = w:runtime()
	local made = {}
	for _, name in ipairs { "charlie", "alpha", "bravo" } do
		made[name] = w:create(rt, "true", { name = name })
	end
	local list = rt:list()
	eq(#list, 3, "count")
	eq(list[1]:name() .. "," .. list[2]:name() .. "," .. list[3]:name(), "alpha,bravo,charlie",
		"sorted by name")
	eq(list[1]:state(), "configured", "state through a listed handle")
	local keep = list[2]
	list = nil
	collectgarbage()
	collectgarbage()
	eq(keep:name(), "bravo", "a listed handle outlives its list")
	eq(keep:state(), "configured", "state")
	local id = made.alpha:id()
	eq(rt:lookup("alpha"):id(), id, "by name")
	eq(rt:lookup(id):name(), "alpha", "by id")
	eq(rt:lookup(id:sub(1, 12)):name(), "alpha", "by prefix")
	assert(rt:lookup("alpha") == made.alpha, "handles of one container are ==")
	assert(rt:lookup("bravo") ~= made.alpha, "of two are ~=")
	keep:free()
	eq(#rt:list(), 3, "count after free")
end)

test("wait_times_out", { rootfs = true }, function(w)
	local rt = w:runtime()
	local c = w:create(rt, "sleep 30")
	c:start()
	local t0 = now()
	local e = raises("Timeout", c.wait, c, 200)
	eq(e.code, ctr.E.TIMEOUT, "code")
	local dt = now() - t0
	assert(dt >= 0.19 and dt < 5, "waited " .. dt .. " s")
	raises("Timeout", c.wait, c, 0)
	eq(c:state(), "running", "still running")
	c:stop(0)
	eq(c:wait(0), 137, "SIGKILL")
end)

test("wait_fd_in_a_poll_loop", { rootfs = true }, function(w)
	local rt = w:runtime()
	local c = w:create(rt, "sleep 0.3; exit 5")
	raises("StateError", c.wait_fd, c) -- nothing runs yet
	c:start()
	local fd = c:wait_fd()
	assert(type(fd) == "number" and fd >= 0, "fd " .. tostring(fd))
	local t0, wakes, code = now(), 0, nil
	while not code and now() - t0 < 10 do
		if readable(fd, 100) then
			wakes = wakes + 1
			local ok, r = pcall(c.wait, c, 0)
			if ok then
				code = r
			elseif not ctr.is_error(r, "Timeout") then
				error(r)
			end
		end
	end
	ctr.close_fd(fd)
	eq(code, 5, "exit code after the fd woke")
	assert(now() - t0 >= 0.2, "woke before the exit")
	-- For a stopped container it is readable at once.
	fd = c:wait_fd()
	assert(readable(fd, 0), "readable at once")
	ctr.close_fd(fd)
	raises("IoError", ctr.close_fd, fd) -- closed already
end)

test("pause_and_unpause", { rootfs = true }, function(w)
	local rt = w:runtime()
	local c = w:create(rt, "sleep 30", { name = "frozen" })
	c:start()
	c:pause()
	eq(c:state(), "paused", "state")
	local e = raises("StateError", c.pause, c)
	has(e.message, "frozen", "message")
	raises("StateError", c.exec, c, { args = { "/bin/true" } })
	c:unpause()
	eq(c:state(), "running", "state")
	raises("StateError", c.unpause, c)
	c:wait_condition("running", 1000)
	raises("Timeout", c.wait_condition, c, "paused", 100)
end)

test("exec_feeds_stdin_and_captures_stdout_stderr_and_exit_code", { rootfs = true }, function(w)
	local rt = w:runtime()
	local c = w:create(rt, "sleep 30")
	c:start()
	local code, out, err = c:exec { args = { "/bin/sh", "-c", "cat; echo oops >&2; exit 4" },
		stdin = "hello\n" }
	eq(code, 4, "exit code")
	eq(out, "hello\n", "stdout")
	eq(err, "oops\n", "stderr")
	-- Positional args, env, cwd and user.
	code, out = c:exec { "/bin/sh", "-c", "echo $FOO; pwd; id -u", env = { "FOO=bar" },
		cwd = "/tmp", user = "1000:1000" }
	eq(code, 0, "exit code")
	eq(out, "bar\n/tmp\n1000\n", "stdout")
	-- Much input and much output on both streams at once: no deadlock.
	local big = string.rep("0123456789abcdef", 65536) -- 1 MiB
	code, out, err = c:exec { args = { "/bin/sh", "-c", "tee /dev/stderr" }, stdin = big }
	eq(code, 0, "exit code")
	eq(#out, #big, "stdout length")
	eq(out == big and err == big, true, "both streams whole")
	-- A process that does not read its stdin: no SIGPIPE for us.
	code = c:exec { args = { "/bin/true" }, stdin = big }
	eq(code, 0, "exit code")
	-- No such program.
	raises("RuntimeError", c.exec, c, { args = { "/no/such/program" } })
	-- A timeout kills it.
	local e = raises("Timeout", c.exec, c, { args = { "/bin/sleep", "30" }, timeout_ms = 300 })
	has(e.message, "timed out", "message")
	eq(#c:exec_list(), 0, "no session left behind")
	-- Descriptors of our own: only the exit code comes back.
	local r, wfd = pipe()
	code, out = c:exec { args = { "/bin/sh", "-c", "echo direct; exit 2" }, stdout_fd = wfd }
	C.close(wfd)
	eq(code, 2, "exit code")
	eq(out, nil, "no captured output")
	eq(read_all(r), "direct\n", "our pipe")
	C.close(r)
	c:stop(0)
	raises("StateError", c.exec, c, { args = { "/bin/true" } })
end)

test("exec_sessions", { rootfs = true }, function(w)
	local rt = w:runtime()
	local c = w:create(rt, "sleep 30")
	c:start()
	local r, wfd = pipe()
	local id = c:exec_create { args = { "/bin/sh", "-c", "echo session; sleep 30" }, stdout_fd = wfd }
	C.close(wfd)
	eq(#id, 16, "id length")
	eq(c:exec_list()[1], id, "listed")
	raises("StateError", c.exec_wait, c, id, 0) -- not started yet
	c:exec_start(id)
	raises("StateError", c.exec_start, c, id) -- started already
	raises("Timeout", c.exec_wait, c, id, 100)
	assert(readable(r, 5000), "the session's output")
	local buf = ffi.new("char[64]")
	eq(ffi.string(buf, C.read(r, buf, 64)), "session\n", "the session's stdout")
	C.close(r)
	local fd = c:exec_wait_fd(id)
	assert(not readable(fd, 0), "not readable while it runs")
	raises("InvalidArgument", c.exec_resize, c, id, 24, 80) -- no terminal
	c:exec_kill(id, "KILL")
	assert(readable(fd, 5000), "readable once it was killed")
	ctr.close_fd(fd)
	eq(c:exec_wait(id, 5000), 137, "killed by SIGKILL")
	c:exec_remove(id)
	eq(#c:exec_list(), 0, "removed")
	raises("NotFound", c.exec_start, c, id)
	local id2 = c:exec_create { args = { "/bin/sleep", "30" } }
	c:exec_start(id2)
	raises("StateError", c.exec_remove, c, id2) -- it runs
	c:exec_remove(id2, { force = true })
	eq(#c:exec_list(), 0, "removed by force")
end)

test("logs", { rootfs = true }, function(w)
	local rt = w:runtime()
	-- stdout and stderr are two pipes: a pause between the streams keeps the order.
	local c = w:create(rt, "echo one; sleep 0.1; echo two >&2; sleep 0.1; echo three; printf four")
	c:start()
	eq(c:wait(10000), 0, "exit code")
	local lines = c:logs()
	eq(#lines, 4, "lines")
	eq(lines[1].data, "one", "first line")
	eq(lines[1].stream, "stdout", "first stream")
	eq(lines[2].data, "two", "second line")
	eq(lines[2].stream, "stderr", "second stream")
	eq(lines[4].data, "four", "last line")
	eq(lines[4].partial, true, "last line is partial")
	eq(lines[1].partial, false, "first line is whole")
	assert(ffi.istype("int64_t", lines[1].time_ns), "time_ns is an int64")
	assert(lines[1].time_ns > 1.5e18, "time_ns is ns since the epoch")
	assert(lines[2].time_ns >= lines[1].time_ns, "in order")
	local tail = c:logs { tail = 2 }
	eq(#tail, 2, "tail lines")
	eq(tail[1].data, "three", "tail's first")
	eq(#c:logs { tail = -1 }, 0, "tail < 0: none")
	local since = c:logs { since_ns = lines[3].time_ns }
	eq(since[1].data, "three", "since_ns keeps the line of that time")
	local ts = c:logs { timestamps = true }
	assert(ts[1].data:match("^%d%d%d%d%-%d%d%-%d%dT.* one$"), "timestamps: " .. ts[1].data)
	local seen = {}
	c:logs { fn = function(line)
		seen[#seen + 1] = line.data
		return #seen == 2 -- stop after two
	end }
	eq(table.concat(seen, ","), "one,two", "callback lines")
	local e = select(2, pcall(c.logs, c, { fn = function()
		error("from the callback")
	end }))
	has(tostring(e), "from the callback", "a callback's error is raised again")
	eq(#c:logs(), 4, "logs still work after a callback's error")
	-- follow ends with the run.
	local d = w:create(rt, "echo a; sleep 0.3; echo b")
	d:start()
	local followed = {}
	d:logs { follow = true, fn = function(line)
		followed[#followed + 1] = line.data
	end }
	eq(table.concat(followed, ","), "a,b", "followed lines")
end)

test("events", { rootfs = true }, function(w)
	local rt = w:runtime()
	local t0 = ffi.new("int64_t", os.time() - 5) * 1000000000
	local fd = rt:events_fd()
	local c = w:create(rt, "exit 9", { name = "ev" })
	c:start()
	c:wait(10000)
	assert(readable(fd, 5000), "events_fd readable after operations")
	ctr.close_fd(fd)
	local all = rt:events { container = "ev" }
	local types = {}
	for _, ev in ipairs(all) do
		types[#types + 1] = ev.type
		eq(ev.name, "ev", "name")
		eq(ev.id, c:id(), "id")
		assert(ev.time_ns >= t0, "time_ns")
	end
	local s = table.concat(types, ",")
	has(s, "create,start", "types")
	has(s, "died", "types")
	local died = rt:events { container = "ev", type = "died" }
	eq(#died, 1, "died events")
	has(died[1].attributes, '"exit_code":9', "attributes")
	eq(#rt:events { since_ns = died[1].time_ns + 1, type = "create" }, 0, "since_ns")
	eq(#rt:events { until_ns = all[1].time_ns }, 1, "until_ns")
	local n = 0
	rt:events { fn = function()
		n = n + 1
		return true
	end }
	eq(n, 1, "a true return stops")
	n = 0
	rt:events { follow = true, fn = function()
		n = n + 1
		return n == 2 -- the second of the existing events ends the follow
	end }
	eq(n, 2, "follow ends when fn returns true")
end)

test("attach_round_trip_through_cat", { rootfs = true }, function(w)
	local rt = w:runtime()
	local c = w:create(rt, "exec cat", { stdin = true })
	local in_r, in_w = pipe()
	local out_r, out_w = pipe()
	write_all(in_w, "ping\npong\n")
	C.close(in_w) -- EOF after the lines: cat's stdin closes, cat ends, attach returns
	local detached = c:attach { stdin_fd = in_r, stdout_fd = out_w, start = true }
	C.close(in_r)
	C.close(out_w)
	eq(detached, false, "not detached")
	eq(read_all(out_r), "ping\npong\n", "echoed by cat")
	C.close(out_r)
	eq(c:wait(10000), 0, "cat's exit code")
	eq(#c:logs(), 2, "and in the log")
	-- Without stdin open: refused.
	local d = w:create(rt, "sleep 30")
	d:start()
	local r2, w2 = pipe()
	raises("StateError", d.attach, d, { stdin_fd = r2 })
	C.close(r2)
	C.close(w2)
	raises("InvalidArgument", d.resize, d, 24, 80) -- no terminal
	-- Detach keys: attach returns true, the container runs on.
	local e = w:create(rt, "exec cat", { stdin = true })
	e:start()
	in_r, in_w = pipe()
	write_all(in_w, "x\16\17")
	eq(e:attach { stdin_fd = in_r, detach_keys = "ctrl-p,ctrl-q" }, true, "detached")
	C.close(in_r)
	C.close(in_w)
	eq(e:state(), "running", "runs on after the detach")
end)

test("terminal_resize_and_exec_on_a_pty", { rootfs = true }, function(w)
	local rt = w:runtime()
	local c = w:create(rt, "sleep 30", { terminal = true })
	c:start()
	c:resize(40, 120)
	raises("InvalidArgument", c.resize, c, 0, 80)
	local code, out = c:exec { args = { "/bin/sh", "-c", "tty; exit 6" }, terminal = true }
	eq(code, 6, "exit code")
	has(out, "/dev/pts/", "a pty's output")
end)

test("artifacts", { rootfs = true }, function(w)
	local rt = w:runtime()
	local c = w:create(rt, "true")
	eq(#c:artifact_list(), 0, "none at first")
	local blob = "bin\0ary\255data"
	c:artifact_add("b.bin", blob)
	c:artifact_add("a.txt", "hello")
	c:artifact_add("empty", "")
	eq(c:artifact_get("b.bin"), blob, "binary data round trips")
	eq(c:artifact_get("empty"), "", "empty")
	eq(table.concat(c:artifact_list(), ","), "a.txt,b.bin,empty", "sorted list")
	c:artifact_add("a.txt", "replaced")
	eq(c:artifact_get("a.txt"), "replaced", "replaced")
	c:artifact_remove("a.txt")
	raises("NotFound", c.artifact_get, c, "a.txt")
	raises("NotFound", c.artifact_remove, c, "a.txt")
	raises("InvalidArgument", c.artifact_add, c, "../escape", "x")
	raises("InvalidArgument", c.artifact_get, c, "a/b")
	eq(#c:artifact_list(), 2, "two left")
end)

test("export_writes_a_tar_of_the_rootfs", { rootfs = true }, function(w)
	local rt = w:runtime()
	local c = w:create(rt, "true")
	local path = w.base .. "/fs.tar"
	c:export(path)
	local list, code = sh("tar -tf " .. path)
	eq(code, 0, "tar -tf status")
	has(list, "bin/busybox", "tar listing")
	has(list, "etc/passwd", "tar listing")
	raises("IoError", c.export, c, w.base .. "/no/such/dir/fs.tar")
end)

test("mount_and_unmount", { rootfs = true }, function(w)
	local rt = w:runtime()
	local c = w:create(rt, "true")
	local path = c:mount()
	assert(exists(path .. "/bin/sh"), "mounted rootfs at " .. path)
	c:unmount(false)
	-- A layered container: an overlay.
	local d = rt:create { layers = { ROOTFS }, args = { "/bin/true" } }
	path = d:mount()
	assert(exists(path .. "/bin/sh"), "overlay at " .. path)
	d:unmount()
	raises("StateError", d.unmount, d)
end)

test("checkpoint_restore_and_import_with_the_fake_runtime", { rootfs = true }, function(w)
	C.setenv("FAKE_RUNTIME_CRIU", "1", 1)
	C.setenv("FAKE_RUNTIME_ARGS", w.base .. "/args.log", 1)
	C.setenv("FAKE_CRIU_IMAGE_KB", "64", 1)
	local ok, err = pcall(function()
		local rt = w:runtime { oci_runtime = FAKE_RUNTIME }
		local c = w:create(rt, "trap 'exit 0' TERM; while :; do sleep 0.1; done", { name = "orig" })
		c:start()
		c:checkpoint()
		eq(c:state(), "exited", "state after checkpoint")
		has(c:inspect(), '"checkpointed":true', "inspect")
		raises("StateError", c.checkpoint, c)
		c:restore()
		eq(c:state(), "running", "state after restore")
		c:checkpoint { leave_running = true, keep = true, name = "first" }
		eq(c:state(), "running", "left running")
		local args = io.open(w.base .. "/args.log"):read("*a")
		has(args, "--leave-running", "runtime's arguments")
		local archive = w.base .. "/ckpt.tar"
		c:checkpoint { target_file = archive }
		has(sh("tar -tf " .. archive), "config.json", "archive")
		local d = rt:import(archive, "copy")
		eq(d:name(), "copy", "imported name")
		eq(d:state(), "running", "imported state")
		assert(d:id() ~= c:id(), "a new id")
		raises("Exists", rt.import, rt, archive, "copy")
		c:restore { import_file = archive }
		eq(c:state(), "running", "restored from the archive")
		c:stop(5)
		raises("NotFound", c.restore, c, { name = "nosuch" })
	end)
	C.unsetenv("FAKE_RUNTIME_CRIU")
	C.unsetenv("FAKE_RUNTIME_ARGS")
	C.unsetenv("FAKE_CRIU_IMAGE_KB")
	if not ok then
		error(err, 0)
	end
end)

test("checkpoint_with_real_runc_is_notsup_here", { rootfs = true }, function(w)
	local out, code = sh("criu check")
	if code == 0 then
		return "skip", "criu check passes on this machine"
	end
	local rt = w:runtime()
	local c = w:create(rt, "sleep 30")
	c:start()
	local e = raises("NotSupported", c.checkpoint, c)
	eq(e.code, ctr.E.NOTSUP, "code")
	eq(c:state(), "running", "still running")
	return nil, out
end)

test("batch_runs_under_one_lock_and_returns_fn_results", { rootfs = true }, function(w)
	local rt = w:runtime()
	local c = w:create(rt, "sleep 30")
	c:start()
	local a, b = c:batch(function(cc)
		assert(cc == c, "fn gets the container")
		local s = cc:state()
		cc:stop(0)
		return s, cc:state()
	end)
	eq(a, "running", "first result")
	eq(b, "stopped", "second result")
	local e = select(2, pcall(c.batch, c, function(cc)
		cc:pause() -- refused: it is stopped
	end))
	assert(ctr.is_error(e, "StateError"), "the error inside fn is raised: " .. tostring(e))
	raises("Busy", c.batch, c, function(cc)
		return cc:batch(function() end)
	end)
	eq(c:state(), "stopped", "the lock was released")
	local plain = select(2, pcall(c.batch, c, function() error("plain") end))
	has(tostring(plain), "plain", "a string error")
end)

test("every_config_setter", { rootfs = true }, function(w)
	local rt = w:runtime()
	local dep = w:create(rt, "sleep 30", { name = "dep" })
	local c = rt:create {
		name = "full", rootfs = ROOTFS, args = { "/bin/sh", "-c", "sleep 30" },
		env = { PATH = "/bin", FOO = "bar" }, terminal = false, stdin = true,
		log_size_max = 65536, stop_signal = "SIGINT", stop_timeout = 3,
		restart_policy = "on-failure", restart_max_retries = 2, dependencies = { "dep" },
		cwd = "/tmp", user = "0:0", hostname = "fullhost",
		capabilities = { "CAP_CHOWN", "net_bind_service" }, seccomp = "default",
		memory_limit = 64 * 1024 * 1024, pids_limit = 100, readonly_rootfs = true,
		mounts = { { source = w.base, destination = "/shared" },
			{ "tmpfs", "/scratch", "tmpfs", "size=1m" } },
		network = "none", labels = { a = "1", b = "2" }, annotations = { ["org.x"] = "y" },
		spec_override = '{"process":{"noNewPrivileges":true}}',
	}
	local j = c:inspect()
	for _, s in ipairs { '"hostname":"fullhost"', '"a":"1"', '"org.x":"y"', '"stop_signal":2',
		'"restart_max_retries":2', '"pids_limit":100', '"destination":"\\/scratch"' } do
		has(j, s, "inspect")
	end
	raises("DependencyError", c.start, c)
	c:start { recursive = true }
	eq(dep:state(), "running", "dependency started")
	local code, out = c:exec { "/bin/sh", "-c", "hostname; echo $FOO; pwd; touch /x 2>/dev/null || echo ro" }
	eq(code, 0, "exec")
	eq(out, "fullhost\nbar\n/tmp\nro\n", "the config reached the container")
	raises("InvalidArgument", rt.create, rt, { rootfs = ROOTFS, args = { "/bin/true" },
		capabilities = { "CAP_NOPE" } })
	raises("NotFound", rt.create, rt, { rootfs = ROOTFS, args = { "/bin/true" },
		dependencies = { "nosuch" } })
	eq(type(rt:rebooted()), "boolean", "rebooted")
end)

test("handles_survive_gc_and_runtime_close", { rootfs = true }, function(w)
	local rt = w:runtime()
	local keep = w:create(rt, "exit 2", { name = "kept" })
	for i = 1, 20 do
		w:create(rt, "true", { name = "tmp" .. i }) -- dropped at once
		local l = rt:list()
		l[1]:state()
	end
	collectgarbage()
	collectgarbage()
	rt:close()
	-- The container keeps its own reference on the runtime.
	eq(keep:state(), "configured", "state after rt:close()")
	keep:start()
	eq(keep:wait(10000), 2, "wait after rt:close()")
	-- A runtime dropped without close, and its containers, to the gc.
	local rt2 = w:runtime()
	local c2 = rt2:lookup("kept")
	rt2 = nil
	collectgarbage()
	eq(c2:exit_code(), 2, "after the runtime was collected")
	c2 = nil
	keep = nil
	collectgarbage()
	collectgarbage()
	local rt3 = w:runtime()
	eq(#rt3:list(), 21, "every container is still there")
end)

---------------------------------------------------------------------------------------

for dir, pid in sh("ls -d /tmp/ctrlua.*.* 2>/dev/null"):gmatch("(/tmp/ctrlua%.(%d+)%.%w+)") do
	if not exists("/proc/" .. pid) then
		io.stderr:write("run.lua: removing what a killed run left in " .. dir .. "\n")
		setmetatable({ base = dir }, World):cleanup()
	end
end

local pattern = arg and arg[1]
local n, failed, skipped = 0, 0, 0
for _, t in ipairs(tests) do
	if not pattern or t.name:match(pattern) then
		n = n + 1
		local skip = (t.needs.rootfs and (NOT_ROOT or ROOTFS_MISSING))
			or (t.needs.cc and sh("command -v cc") == "" and "no C compiler")
		if skip then
			skipped = skipped + 1
			print(string.format("ok %d %s # SKIP %s", n, t.name, skip))
		else
			local w = new_world()
			local t0 = now()
			local ok, r, why = xpcall(function()
				return t.fn(w)
			end, function(e)
				return tostring(e) .. "\n" .. debug.traceback("", 2)
			end)
			w:cleanup()
			if not ok then
				failed = failed + 1
				print(string.format("not ok %d %s: %s", n, t.name, r))
			elseif r == "skip" then
				skipped = skipped + 1
				print(string.format("ok %d %s # SKIP %s", n, t.name, why))
			else
				print(string.format("ok %d %s (%.2f s)", n, t.name, now() - t0))
			end
		end
		io.stdout:flush()
	end
end
print(string.format("%d tests, %d passed, %d failed, %d skipped", n, n - failed - skipped,
	failed, skipped))
os.exit(failed > 0 and 1 or 0)
