-- The Lua side of the bindings' overhead, measured as bench/bench_state.c measures the C
-- side: one c:state() of a running container, and a whole lifecycle of /bin/true
-- (rt:create, start, wait, remove).
--
--   luajit bindings/lua/bench_state.lua [ROOTFS] [CALLS] [LIFECYCLES]
--
-- ROOTFS defaults to $CTR_TEST_ROOTFS, then build/rootfs; CTR_MONITOR defaults to
-- build/ctr-monitor. CALLS (100000) state reads in 5 rounds, the median round's µs per
-- call; LIFECYCLES (20) lifecycles, their median in ms. The directories are in /dev/shm,
-- durable (not nosync), as in the C bench. Prints "key value" lines like the C bench:
--
--   state_us MEDIAN       c:state() through the binding
--   state_ffi_us MEDIAN   ctr_state() called through the bare FFI (the binding's floor)
--   lifecycle_ms MEDIAN
local ffi = require "ffi"

local here = debug.getinfo(1, "S").source:sub(2):match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local REPO = here .. "/../.."

local ctr = require "ctr"
local C = ffi.C

local ROUNDS = 5

local function now()
	local ts = ffi.new("struct timespec")
	C.clock_gettime(1, ts)
	return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

local function median(t)
	table.sort(t)
	local n = #t
	return n % 2 == 1 and t[(n + 1) / 2] or (t[n / 2] + t[n / 2 + 1]) / 2
end

-- The median over ROUNDS rounds of calls/ROUNDS calls of fn, µs per call.
local function rounds_us(fn, calls)
	local per, out = math.max(1, math.floor(calls / ROUNDS)), {}
	for k = 1, ROUNDS do
		local t0 = now()
		for _ = 1, per do
			fn()
		end
		out[k] = (now() - t0) * 1e6 / per
	end
	return median(out)
end

local function shell(cmd)
	local f = io.popen(cmd)
	local out = f:read("*a")
	f:close()
	return out
end

-- Remove base once the processes naming it (the last lifecycle's monitor, which deletes
-- the runtime's state off the caller's path) have ended, waiting up to 5 s.
local function remove_tree(base)
	local deadline = now() + 5
	while now() < deadline do
		local busy = false
		for pid in shell("ls /proc"):gmatch("%d+") do
			local f = io.open("/proc/" .. pid .. "/cmdline")
			if f then
				busy = busy or (f:read("*a") or ""):find(base, 1, true) ~= nil
				f:close()
			end
		end
		if not busy then
			break
		end
		shell("sleep 0.05")
	end
	shell("rm -rf '" .. base .. "'")
end

local rootfs = arg[1] or os.getenv("CTR_TEST_ROOTFS") or (REPO .. "/build/rootfs")
local calls = tonumber(arg[2]) or 100000
local n = tonumber(arg[3]) or 20
if not io.open(rootfs .. "/bin/sh") then
	io.stderr:write("bench_state.lua: no busybox rootfs at " .. rootfs
		.. " (tests/fixtures/mkrootfs.sh)\n")
	os.exit(1)
end
if (os.getenv("CTR_MONITOR") or "") == "" then
	C.setenv("CTR_MONITOR", REPO .. "/build/ctr-monitor", 1)
end

local base = shell("mktemp -d /dev/shm/ctr-bench-state-lua-XXXXXX"):gsub("%s+$", "")
local ok, err = pcall(function()
	local rt = ctr.runtime { state_dir = base .. "/state", run_dir = base .. "/run" }
	local c = rt:create { rootfs = rootfs, args = { "/bin/sleep", "1000" } }
	c:start()
	local state_us = rounds_us(function()
		return c:state()
	end, calls)
	local p, out, lib = c._p, ffi.new("int[1]"), ctr.lib
	local ffi_us = rounds_us(function()
		return lib.ctr_state(p, out)
	end, calls)
	c:remove { force = true }
	c:free()
	local life = {}
	for i = 1, n do
		local t0 = now()
		local x = rt:create { rootfs = rootfs, args = { "/bin/true" } }
		x:start()
		local code = x:wait()
		x:remove()
		life[i] = (now() - t0) * 1e3
		x:free()
		if code ~= 0 then
			error("/bin/true exited with " .. code)
		end
	end
	rt:close()
	print(string.format("state_us %.3f", state_us))
	print(string.format("state_ffi_us %.3f", ffi_us))
	print(string.format("lifecycle_ms %.3f", median(life)))
end)
remove_tree(base)
if not ok then
	io.stderr:write("bench_state.lua: " .. tostring(err) .. "\n")
	os.exit(1)
end
