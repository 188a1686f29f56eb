local REPO, ROOTFS, ctr, eq, fail, ffi, has, raises, sh, test =
	require("harness").take "REPO ROOTFS ctr eq fail ffi has raises sh test"
-- Tests without containers: loading, the FFI's declarations, checking of options (and
-- config_json's round trip, which creates one and so needs the rootfs).

test("library_loads_and_reports_version_and_features", function()
	eq(ctr.version(), "1.1.0", "version")
	eq(ctr.version_number(), 1001000, "version_number")
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
	ctr_events_opts_t = { "sz", "container", "type", "since_ns", "until_ns", "flags" },
	ctr_exec_opts_t = { "sz", "argv", "env", "cwd", "user", "terminal", "privileged", "stdin_fd",
		"stdout_fd", "stderr_fd", "preserve_fds", "n_preserve_fds" },
	ctr_attach_opts_t = { "sz", "flags", "stdin_fd", "stdout_fd", "stderr_fd", "mux_fd",
		"detach_keys" },
	ctr_log_line_t = { "sz", "stream", "partial", "time_ns", "data", "len" },
	ctr_logs_opts_t = { "sz", "flags", "since_ns", "until_ns", "tail" },
	ctr_checkpoint_opts_t = { "sz", "flags", "target_file", "name" },
	ctr_restore_opts_t = { "sz", "flags", "import_file", "name" },
	ctr_image_import_opts_t = { "sz", "name", "flags" },
	ctr_image_pull_opts_t = { "sz", "name", "auth_file", "flags", "timeout_ms" },
	ctr_network_opts_t = { "sz", "subnet", "gateway", "flags" },
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
		"CTR_LIBRARY=%s/build/libctr.so.1.1.0 luajit -e 'package.path=\"%s/lua/?.lua;\"..package.path; print(require(\"ctr\").library_path)'",
		REPO, w.base))
	has(out, REPO .. "/build/libctr.so.1.1.0", "CTR_LIBRARY library_path")
end)

test("runtime_options_are_type_checked_before_any_c_call", function(w)
	raises("TypeError", ctr.runtime, 5)
	raises("TypeError", ctr.runtime, { state_dir = 5 })
	raises("TypeError", ctr.runtime, { statedir = "/tmp/x" })
	raises("TypeError", ctr.runtime, { nosync = "yes" })
	raises("TypeError", ctr.runtime, { runtime_timeout = -1 })
	raises("TypeError", ctr.runtime, { runtime_timeout = "30" })
	raises("TypeError", ctr.runtime, { runtime_timeout_ms = 30000 }) -- seconds now
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
	raises("TypeError", rt.create, rt, { rootfs = ROOTFS, args = { "/bin/true" }, user = { 0, 0 } })
	raises("TypeError", rt.create, rt, { rootfs = ROOTFS, args = { "/bin/true" }, restart_policy = "sometimes" })
	raises("TypeError", rt.lookup, rt, nil)
	raises("TypeError", rt.lookup, rt, 42)
	raises("TypeError", rt.lookup, nil, "x") -- rt.lookup without rt
	raises("TypeError", rt.events, rt, { follow = true }) -- follow needs fn
	raises("TypeError", rt.events, rt, { since = "yesterday" })
	raises("TypeError", rt.events, rt, { since = -1 })
	raises("TypeError", rt.events, rt, { since = 2, ["until"] = 1 })
	raises("TypeError", rt.events, rt, { since_ns = 1 }) -- the old name
	w:runtime({ runtime_timeout = 2.5 }):close()
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

test("default_capabilities_is_a_list_of_names", function()
	local caps = ctr.default_capabilities()
	assert(#caps >= 5, "only " .. #caps .. " capabilities")
	local seen = {}
	for i, cap in ipairs(caps) do
		assert(cap:match("^CAP_[A-Z_]+$"), "capabilities[" .. i .. "]: " .. cap)
		seen[cap] = true
	end
	assert(seen.CAP_CHOWN and seen.CAP_KILL, "CAP_CHOWN and CAP_KILL: " .. table.concat(caps, ","))
	assert(not seen.CAP_SYS_ADMIN, "no CAP_SYS_ADMIN by default")
	caps[1] = "changed"
	assert(ctr.default_capabilities()[1] ~= "changed", "a new list each call")
end)


test("detach_keys_valid_answers_a_boolean", function()
	eq(ctr.detach_keys_valid("ctrl-p,ctrl-q"), true, "ctrl-p,ctrl-q")
	eq(ctr.detach_keys_valid(nil), true, "nil")
	local ok, why = ctr.detach_keys_valid("ctrl-")
	eq(ok, false, "ctrl-")
	has(why, "ctrl-", "reason")
end)
