local C, FAKE_RUNTIME, GUARD, ROOTFS, ctr, eq, exists, ffi, has, pipe, raises, read_all,
	readable, sh, test, write_all = require("harness").take [[C FAKE_RUNTIME GUARD ROOTFS ctr
	eq exists ffi has pipe raises read_all readable sh test write_all]]
-- Containers: logs, events, attach and terminals, artifacts, export
-- and mounts, checkpoint and restore, batch, every config setter, handles and the gc.

test("logs", { rootfs = true }, function(w)
	local rt = w:runtime()
	-- stdout and stderr are two pipes: a pause between the streams keeps the order.
	local c = w:create(rt, "echo one; sleep 0.1; echo two >&2; sleep 0.1; echo three; printf four")
	c:start()
	eq(c:wait(GUARD), 0, "exit code")
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
	local since = c:logs { since = lines[3].time }
	eq(since[1].data, "three", "since keeps the line of that time")
	local upto = c:logs { ["until"] = lines[2].time }
	eq(#upto, 2, "until keeps the line of that time")
	eq(upto[2].data, "two", "until's last line")
	eq(#c:logs { since = lines[2].time, ["until"] = lines[3].time }, 2, "since and until")
	raises("TypeError", c.logs, c, { since = lines[3].time, ["until"] = lines[1].time })
	raises("TypeError", c.logs, c, { since_ns = lines[3].time_ns }) -- the old name
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
	c:wait(GUARD)
	assert(readable(fd, GUARD), "events_fd readable after operations")
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
	eq(#rt:events { since = died[1].time, type = "create" }, 0, "since")
	eq(#rt:events { ["until"] = all[1].time }, 1, "until")
	eq(rt:events { since = died[1].time, type = "died" }[1].time_ns, died[1].time_ns,
		"an event's own time as since takes it in")
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
	eq(c:wait(GUARD), 0, "cat's exit code")
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
	local code, out = c:exec { argv = { "/bin/sh", "-c", "tty; exit 6" }, terminal = true }
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
	raises("IOFailed", c.export, c, w.base .. "/no/such/dir/fs.tar")
end)

test("mount_and_unmount", { rootfs = true }, function(w)
	local rt = w:runtime()
	local c = w:create(rt, "true")
	local path = c:mount()
	assert(exists(path .. "/bin/sh"), "mounted rootfs at " .. path)
	c:unmount(false)
	c:mount()
	c:unmount(true) -- CTR_FORCE
	c:mount()
	c:unmount { force = true }
	raises("TypeError", c.unmount, c, { forse = true })
	raises("TypeError", c.unmount, c, "force")
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
		'"restart_max_retries":2', '"pids_limit":100', '"destination":"/scratch"' } do
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
	-- Times are RFC 3339 strings in UTC with nanoseconds.
	local created = j:match('"created":"([^"]*)"')
	assert(created and created:match("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.%d%d%d%d%d%d%d%d%dZ$"),
		"created: " .. tostring(created))
	assert(not j:find('"finished_at"', 1, true), "no finished_at before any exit")
	-- The restore flags of static IP and MAC addresses are gone.
	raises("TypeError", c.restore, c, { ignore_static_ip = true })
	raises("TypeError", c.restore, c, { ignore_static_mac = true })
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
	eq(keep:wait(GUARD), 2, "wait after rt:close()")
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
