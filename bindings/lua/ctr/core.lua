-- Internals of the ctr module shared by its files: loading libctr, errors, argument
-- checks, strings and arrays the library hands out, callbacks. Not an API of its own.
local ffi = require "ffi"
require "ctr.cdef"

local K = {}

---------------------------------------------------------------------------------------
-- Loading: CTR_LIBRARY, then the build tree beside this file, then the system.

-- The directory of this file, absolute (realpath), or nil.
local function module_dir()
	local src = debug.getinfo(1, "S").source
	if src:sub(1, 1) ~= "@" then
		return nil
	end
	local real = ffi.C.realpath(src:sub(2), nil)
	if real == nil then
		return nil
	end
	local path = ffi.string(real)
	ffi.C.free(real)
	return path:match("^(.*)/[^/]*$")
end

local function load_library()
	local tried = {}
	local function try(path, why)
		local ok, lib = pcall(ffi.load, path)
		if ok then
			return lib
		end
		tried[#tried + 1] = string.format("%s (%s): %s", path, why, tostring(lib))
	end
	local env = os.getenv("CTR_LIBRARY")
	if env and env ~= "" then
		local lib = try(env, "CTR_LIBRARY")
		if lib then
			return lib, env
		end
	else
		tried[#tried + 1] = "CTR_LIBRARY: not set"
	end
	-- In a source tree (<repo>/bindings/lua/ctr/core.lua): <repo>/build/libctr.so.1.
	local root = (module_dir() or ""):match("^(.-/)bindings/lua/ctr$")
	if root then
		local path = root .. "build/libctr.so.1"
		local f = io.open(path)
		if f then
			f:close()
			local lib = try(path, "build tree")
			if lib then
				return lib, path
			end
		else
			tried[#tried + 1] = path .. " (build tree): no such file"
		end
	end
	for _, name in ipairs { "ctr", "libctr.so.1" } do
		local lib = try(name, "system library path")
		if lib then
			return lib, name
		end
	end
	error("ctr: cannot load libctr; tried:\n  " .. table.concat(tried, "\n  "), 0)
end

local C, library_path = load_library()
K.C, K.library_path = C, library_path

---------------------------------------------------------------------------------------
-- Errors

K.E = {
	INVAL = -22, NOENT = -2, EXISTS = -17, TIMEOUT = -110, NOTSUP = -95, IO = -5,
	NOMEM = -12, BUSY = -16, STATE = -4000, STOPPED = -4001, REMOVED = -4002,
	RUNTIME = -4003, STORE = -4004, DEPEND = -4005, MONITOR = -4006, INTERNAL = -4007,
}
local E = K.E
K.errors = {
	[E.INVAL] = "InvalidArgument", [E.NOENT] = "NotFound", [E.EXISTS] = "Exists",
	[E.TIMEOUT] = "Timeout", [E.NOTSUP] = "NotSupported", [E.IO] = "IOFailed",
	[E.NOMEM] = "NoMemory", [E.BUSY] = "Busy", [E.STATE] = "StateError",
	[E.STOPPED] = "Stopped", [E.REMOVED] = "Removed", [E.RUNTIME] = "RuntimeFailed",
	[E.STORE] = "StoreError", [E.DEPEND] = "DependencyError", [E.MONITOR] = "MonitorError",
	[E.INTERNAL] = "InternalError",
}

local Error = {}
Error.__index = Error
Error.__tostring = function(e)
	return e.name .. ": " .. e.message
end
K.Error = Error

local function new_error(code, message, name)
	return setmetatable({ code = code, name = name or K.errors[code] or "Error",
		message = message }, Error)
end

-- The error of a failed libctr call (r < 0), with ctr_last_error() read at once.
local function c_error(r)
	local msg = ffi.string(C.ctr_last_error())
	if msg == "" then
		msg = ffi.string(C.ctr_strerror(r))
	end
	return new_error(r, msg)
end

local function raise(r)
	error(c_error(r), 0)
end

local function check(r)
	if r < 0 then
		raise(r)
	end
	return r
end

local function type_error(fmt, ...)
	error(new_error(E.INVAL, string.format(fmt, ...), "TypeError"), 0)
end

--- true when e is an error of this binding (of the given name, if one is given).
function K.is_error(e, name)
	return getmetatable(e) == Error and (name == nil or e.name == name)
end

---------------------------------------------------------------------------------------
-- Argument checks: each raises TypeError naming the function and the argument.

local function want(v, ty, where, what)
	if type(v) ~= ty then
		type_error("%s: %s must be a %s, not %s", where, what, ty, type(v))
	end
	return v
end

local function str(v, where, what)
	want(v, "string", where, what)
	if v:find("\0", 1, true) then
		type_error("%s: %s contains a NUL byte", where, what)
	end
	return v
end

local function opt_str(v, where, what)
	if v == nil then
		return nil
	end
	return str(v, where, what)
end

-- An integer number in [min, max], by default a C int's range.
local function int(v, where, what, min, max)
	if type(v) ~= "number" or v ~= math.floor(v) then
		type_error("%s: %s must be an integer, not %s", where, what,
			type(v) == "number" and tostring(v) or type(v))
	end
	if v < (min or -0x80000000) or v > (max or 0x7fffffff) then
		type_error("%s: %s out of range: %s", where, what, tostring(v))
	end
	return v
end

local function opt_int(v, default, where, what, min, max)
	if v == nil then
		return default
	end
	return int(v, where, what, min, max)
end

-- A long long: an integral number or an int64 cdata.
local function ll(v, where, what)
	if v == nil then
		return 0
	end
	if type(v) == "cdata" and (ffi.istype("int64_t", v) or ffi.istype("uint64_t", v)) then
		return v
	end
	return int(v, where, what, -2 ^ 63, 2 ^ 63 - 1)
end

-- Timeouts are seconds everywhere (numbers, fractions allowed); nil is "no timeout".
local INT_MAX = 0x7fffffff

local function seconds(v, where, what)
	if type(v) ~= "number" or v ~= v then
		type_error("%s: %s must be a number of seconds or nil, not %s", where, what,
			type(v) == "number" and tostring(v) or type(v))
	end
	if v < 0 then
		type_error("%s: %s must be >= 0 seconds or nil, not %s", where, what, tostring(v))
	end
	return v
end

-- Seconds -> the milliseconds of a C wait (nil: -1, forever). Rounded up, so a wait never
-- ends before the time asked; at most INT_MAX ms (about 24.8 days).
local function timeout_ms(v, where, what)
	if v == nil then
		return -1
	end
	local ms = seconds(v, where, what) * 1000
	return ms >= INT_MAX and INT_MAX or math.ceil(ms)
end

-- Seconds -> the whole seconds of ctr_stop/ctr_restart's timeout_s (nil: -1, the
-- configured stop timeout). Rounded up: 0.2 is 1 s; 0 stays 0 (SIGKILL at once).
local function timeout_s(v, where, what)
	if v == nil then
		return -1
	end
	local s = seconds(v, where, what)
	return s >= INT_MAX and INT_MAX or math.ceil(s)
end

-- Nanoseconds since the epoch (a C long long) -> seconds as a number: the whole seconds
-- exactly, plus the fraction (one rounding, to within the number's last place).
local function seconds_of_ns(ns)
	local sec = ns / 1000000000 -- int64 division: whole seconds (ns >= 0)
	return tonumber(sec) + tonumber(ns - sec * 1000000000) / 1e9
end

-- A point in time, seconds since the epoch (a number as os.time() or an entry's `time`),
-- -> the int64 CLOCK_REALTIME ns of the C API (nil: 0, no bound). A number holds a time
-- of today to about 0.24 us, so a fraction is widened by its last place away from the
-- range it bounds (down for a lower bound, up for an upper one): an entry's own `time`
-- as a bound takes that entry in, as in the Python binding.
local LLONG_MAX_S = 9223372036 -- whole seconds below 2^63 ns (the year 2262)

local function epoch_ns(v, where, what, upper)
	if v == nil then
		return ffi.new("int64_t", 0)
	end
	if type(v) ~= "number" or v ~= v or v < 0 or v >= LLONG_MAX_S then
		type_error("%s: %s must be seconds since the epoch (a number up to the year 2262), not %s",
			where, what, type(v) == "number" and tostring(v) or type(v))
	end
	local sec = math.floor(v)
	local ns = ffi.new("int64_t", sec) * 1000000000
	if v == sec then -- whole seconds are exact
		return (upper and ns == 0) and ffi.new("int64_t", 1) or ns
	end
	local _, e = math.frexp(v)
	local ulp = 2 ^ (e - 53)
	local frac = (v - sec) * 1e9 -- v - sec is exact
	if upper then
		ns = ns + math.ceil(frac + ulp * 1e9)
		return ns > 0 and ns or ffi.new("int64_t", 1) -- 0 would be "no bound"
	end
	ns = ns + math.floor(frac - ulp * 1e9)
	return ns > 0 and ns or ffi.new("int64_t", 0)
end

-- o.since and o["until"] (until is a Lua keyword) -> since_ns, until_ns.
local function time_bounds(o, where)
	local since = epoch_ns(o.since, where, "since", false)
	local till = epoch_ns(o["until"], where, "until", true)
	if till ~= 0 and till < since then
		type_error("%s: until is before since", where)
	end
	return since, till
end

local function flag(v, where, what)
	if v == nil or v == false or v == 0 then
		return false
	elseif v == true or v == 1 then
		return true
	end
	type_error("%s: %s must be a boolean, not %s", where, what, type(v))
end

local function opts_table(o, where, known)
	if o == nil then
		return {}
	end
	want(o, "table", where, "options")
	for k in pairs(o) do
		if not known[k] then
			type_error("%s: unknown option %s", where, tostring(k))
		end
	end
	return o
end

local function set(...)
	local s = {}
	for _, k in ipairs { ... } do
		s[k] = true
	end
	return s
end

local force_known = set("force")
-- CTR_FORCE (0x2) from nil, true/false or { force = bool }.
local function force_flag(o, where)
	if type(o) == "boolean" then
		return o and 2 or 0
	end
	return flag(opts_table(o, where, force_known).force, where, "force") and 2 or 0
end

-- A NULL-terminated const char *[] of a list of strings (kept alive by the list).
local function strv(list, where, what)
	want(list, "table", where, what)
	local n = #list
	local v = ffi.new("const char *[?]", n + 1)
	for i = 1, n do
		v[i - 1] = str(list[i], where, what .. "[" .. i .. "]")
	end
	return v, n
end

-- The strings of a NULL-terminated array from the library, which is then freed.
local function take_strv(v, n)
	local t = {}
	for i = 0, tonumber(n) - 1 do
		t[i + 1] = ffi.string(v[i])
	end
	C.ctr_strv_free(v)
	return t
end

-- A string the library allocated, freed with ctr_free().
local function take_string(p, len)
	local s = len and ffi.string(p, len) or ffi.string(p)
	C.ctr_free(p)
	return s
end

local signals = {
	HUP = 1, INT = 2, QUIT = 3, ILL = 4, TRAP = 5, ABRT = 6, BUS = 7, FPE = 8, KILL = 9,
	USR1 = 10, SEGV = 11, USR2 = 12, PIPE = 13, ALRM = 14, TERM = 15, CHLD = 17,
	CONT = 18, STOP = 19, TSTP = 20, TTIN = 21, TTOU = 22, WINCH = 28,
}
local function signal(v, where)
	if type(v) == "string" then
		local n = signals[v:upper():gsub("^SIG", "")]
		if not n then
			type_error("%s: unknown signal %s", where, v)
		end
		return n
	end
	return int(v, where, "signal")
end

-- Run f(cb) with cb = ffi.cast(ctype, handler), freed afterwards. The handler's errors are
-- caught (C must not be unwound) and raised again after f; f's result is returned.
local function with_callback(ctype, handler, f)
	local failure
	local cb = ffi.cast(ctype, function(...)
		local ok, stop = pcall(handler, ...)
		if not ok then
			failure = stop
			return 1
		end
		return stop and 1 or 0
	end)
	local r = f(cb)
	local e = r < 0 and c_error(r)
	cb:free()
	if failure ~= nil then
		error(failure, 0)
	end
	if e then
		error(e, 0)
	end
	return r
end

local function flags_of(o, names, where)
	local f = 0
	for k, bitv in pairs(names) do
		if flag(o[k], where, k) then
			f = bit.bor(f, bitv)
		end
	end
	return f
end

-- State names and numbers, from the library.
K.state_name, K.state_num = {}, {}
for i = 0, 7 do
	K.state_name[i] = ffi.string(C.ctr_state_name(i))
	K.state_num[K.state_name[i]] = i
end

for name, v in pairs {
	new_error = new_error, c_error = c_error, raise = raise, check = check,
	type_error = type_error, want = want, str = str, opt_str = opt_str, int = int,
	opt_int = opt_int, ll = ll, flag = flag, timeout_ms = timeout_ms, timeout_s = timeout_s,
	epoch_ns = epoch_ns, time_bounds = time_bounds, seconds_of_ns = seconds_of_ns,
	opts_table = opts_table, set = set, force_flag = force_flag, strv = strv,
	take_strv = take_strv, take_string = take_string, signal = signal,
	with_callback = with_callback, flags_of = flags_of,
} do
	K[name] = v
end
jit.off(with_callback) -- its C call runs a Lua callback: no JIT ("bad callback")

return K
