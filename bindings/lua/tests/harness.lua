-- The harness of the Lua binding's tests (run.lua loads it and the test files):
-- the environment, assertions, pipe and poll helpers, a test's World, test registration
-- and the runner. A test file takes what it uses in its first line:
--
--   local eq, has, test = require("harness").take "eq has test"
local ffi = require "ffi"

-- <repo>, from this file's path (bindings/lua/tests/harness.lua).
local function repo_root()
	local src = debug.getinfo(1, "S").source:sub(2)
	local f = io.popen("realpath '" .. src .. "'")
	local path = f:read("*l")
	f:close()
	return (path:gsub("/bindings/lua/tests/harness%.lua$", ""))
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
-- tests/fixtures/mkimages.sh's images.
local IMAGES = env_or("CTR_TEST_IMAGES", REPO .. "/build/images")

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
local IMAGES_MISSING = not exists(IMAGES .. "/.done-v1")
	and "no test images at " .. IMAGES .. " (tests/fixtures/mkimages.sh build/images)"

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

-- The timeout (seconds) of a wait for something that must happen (a file, an exit, an event): only
-- a guard against a hang, far longer than anything takes on a loaded machine. Tests assert
-- what happens, never how fast: no upper bound on a duration (timings belong in make bench).
local GUARD = 20

local function now()
	local ts = ffi.new("struct timespec")
	C.clock_gettime(1, ts)
	return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

-- poll() one descriptor for reading: true if readable within timeout seconds.
local function readable(fd, timeout)
	local p = ffi.new("struct pollfd[1]")
	p[0].fd, p[0].events = fd, 1
	return C.poll(p, 1, math.ceil(timeout * 1000)) == 1
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

-- Remove every container (force) and network, then what a failure may have left: runtime state,
-- monitors (by pid, those whose command line names our base), mounts, the directory.
function World:cleanup()
	local rt = ctr.runtime { state_dir = self.base .. "/s", run_dir = self.base .. "/r",
		nosync = true }
	for _, c in ipairs(rt:list()) do
		pcall(c.stop, c, 0)
		pcall(c.remove, c, { force = true })
	end
	local ok, names = pcall(rt.networks, rt) -- and the networks, with their bridges
	for _, n in ipairs(ok and names or {}) do
		pcall(rt.remove_network, rt, n)
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
function World:take_file(name, timeout)
	local path = self.base .. "/io/" .. name
	local t0 = now()
	while not exists(path) do
		if now() - t0 > timeout then
			fail("%s did not appear within %g s", path, timeout)
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

-- Run the registered tests in order (only those whose name matches pattern, if given),
-- print the results and exit: 1 if a test failed.
local function run(pattern)
	for dir, pid in sh("ls -d /tmp/ctrlua.*.* 2>/dev/null"):gmatch("(/tmp/ctrlua%.(%d+)%.%w+)") do
		if not exists("/proc/" .. pid) then
			io.stderr:write("run.lua: removing what a killed run left in " .. dir .. "\n")
			setmetatable({ base = dir }, World):cleanup()
		end
	end

	local n, failed, skipped = 0, 0, 0
	for _, t in ipairs(tests) do
		if not pattern or t.name:match(pattern) then
			n = n + 1
			local skip = (t.needs.rootfs and (NOT_ROOT or ROOTFS_MISSING))
				or (t.needs.images and (NOT_ROOT or IMAGES_MISSING))
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
end

---------------------------------------------------------------------------------------

local H = {
	ctr = ctr, ffi = ffi, C = C, REPO = REPO, ROOTFS = ROOTFS, FAKE_RUNTIME = FAKE_RUNTIME,
	IMAGES = IMAGES,
	exists = exists, sh = sh, fail = fail, eq = eq, has = has, raises = raises, now = now,
	GUARD = GUARD,
	readable = readable, pipe = pipe, write_all = write_all, read_all = read_all,
	World = World, new_world = new_world, test = test, run = run,
}

-- The values of the space-separated names, in their order: take "eq has" returns H.eq,
-- H.has. An unknown name is an error rather than a nil.
function H.take(names)
	local out = {}
	for name in names:gmatch("%S+") do
		if H[name] == nil then
			error("harness has no " .. name, 2)
		end
		out[#out + 1] = H[name]
	end
	return unpack(out)
end

return H
