local C, GUARD, REPO, ROOTFS, ctr, eq, ffi, has, now, pipe, raises, read_all, readable, test =
	require("harness").take "C GUARD REPO ROOTFS ctr eq ffi has now pipe raises read_all readable test"
-- Exec (the one call and sessions as objects), timeouts and times in seconds, and the
-- error names shared with the Python binding.

test("exec_feeds_stdin_and_captures_stdout_stderr_and_exit_code", { rootfs = true }, function(w)
	local rt = w:runtime()
	local c = w:create(rt, "sleep 30")
	c:start()
	local code, out, err = c:exec { argv = { "/bin/sh", "-c", "cat; echo oops >&2; exit 4" },
		stdin = "hello\n" }
	eq(code, 4, "exit code")
	eq(out, "hello\n", "stdout")
	eq(err, "oops\n", "stderr")
	-- argv as the list itself, env, cwd and user.
	code, out = c:exec { "/bin/sh", "-c", "echo $FOO; pwd; id -u", env = { "FOO=bar" },
		cwd = "/tmp", user = "1000:1000" }
	eq(code, 0, "exit code")
	eq(out, "bar\n/tmp\n1000\n", "stdout")
	-- Much input and much output on both streams at once: no deadlock.
	local big = string.rep("0123456789abcdef", 65536) -- 1 MiB
	code, out, err = c:exec { argv = { "/bin/sh", "-c", "tee /dev/stderr" }, stdin = big }
	eq(code, 0, "exit code")
	eq(#out, #big, "stdout length")
	eq(out == big and err == big, true, "both streams whole")
	-- A process that does not read its stdin: no SIGPIPE for us.
	code = c:exec { argv = { "/bin/true" }, stdin = big }
	eq(code, 0, "exit code")
	-- No such program.
	raises("RuntimeFailed", c.exec, c, { argv = { "/no/such/program" } })
	-- A timeout kills it.
	local e = raises("Timeout", c.exec, c, { argv = { "/bin/sleep", "30" }, timeout = 0.3 })
	has(e.message, "timed out", "message")
	eq(#c:exec_list(), 0, "no session left behind")
	-- Descriptors of our own: only the exit code comes back.
	local r, wfd = pipe()
	code, out = c:exec { argv = { "/bin/sh", "-c", "echo direct; exit 2" }, stdout_fd = wfd }
	C.close(wfd)
	eq(code, 2, "exit code")
	eq(out, nil, "no captured output")
	eq(read_all(r), "direct\n", "our pipe")
	C.close(r)
	c:stop(0)
	raises("StateError", c.exec, c, { argv = { "/bin/true" } })
end)


test("users_are_names_or_numbers_in_config_and_exec", { rootfs = true }, function(w)
	local rt = w:runtime()
	local c = w:create(rt, "sleep 30", { user = "nobody" })
	c:start()
	local code, out = c:exec { argv = { "/bin/sh", "-c", "id -u; id -g" } }
	eq(code, 0, "exit code")
	eq(out, "65534\n65534\n", "the container's user, its group from /etc/passwd")
	code, out = c:exec { argv = { "/bin/sh", "-c", "id -u; id -g" }, user = "root:nogroup" }
	eq(out, "0\n65534\n", "exec's user and group by name")
	code, out = c:exec { argv = { "/bin/id", "-u" }, user = 1234 }
	eq(out, "1234\n", "exec's user as a number")
	-- (user 4321 cannot write to /shared: the exit code says it)
	local d = w:create(rt, "[ \"$(id -u):$(id -g)\" = 4321:0 ]", { user = 4321 })
	d:start()
	eq(d:wait(GUARD), 0, "config's user as a number: uid 4321, gid 0 (not in /etc/passwd)")
	local g = w:create(rt, "true", { user = "nosuchuser" }) -- looked up when the run begins
	local e = raises("InvalidArgument", g.start, g)
	has(e.message, "passwd", "the message names the file")
	e = raises("InvalidArgument", c.exec, c, { argv = { "/bin/true" }, user = "nosuchuser" })
	has(e.message, "passwd", "the message names the file")
end)

test("exec_takes_argv_under_that_one_name", { rootfs = true }, function(w)
	local rt = w:runtime()
	local c = w:create(rt, "sleep 30")
	c:start()
	local e = raises("TypeError", c.exec, c, { args = { "/bin/true" } })
	has(e.message, "unknown option args (it is argv)", "message")
	e = raises("TypeError", c.exec, c, { argv = { "/bin/true" }, timeout_ms = 100 })
	has(e.message, "timeout (in seconds)", "message")
	raises("TypeError", c.exec, c, { "/bin/true", argv = { "/bin/true" } }) -- twice
	raises("TypeError", c.exec_create, c, { args = { "/bin/true" } })
	e = raises("TypeError", c.exec_create, c, {})
	has(e.message, "argv needed", "message")
	eq(c:exec { argv = { "/bin/sh", "-c", "exit 3" } }, 3, "argv")
	eq(#c:exec_list(), 0, "no session left behind")
end)

test("exec_sessions_are_objects", { rootfs = true }, function(w)
	local rt = w:runtime()
	local c = w:create(rt, "sleep 30")
	c:start()
	local r, wfd = pipe()
	local s = c:exec_create { argv = { "/bin/sh", "-c", "echo session; sleep 30" },
		stdout_fd = wfd }
	C.close(wfd)
	eq(getmetatable(s), ctr.ExecSession, "a session object")
	eq(#s.id, 16, "id length")
	assert(s.container == c, "its container")
	eq(tostring(s), "ctr.exec_session(" .. s.id .. ")", "tostring")
	local list = c:exec_list()
	eq(#list, 1, "listed")
	eq(getmetatable(list[1]), ctr.ExecSession, "exec_list gives session objects")
	eq(list[1].id, s.id, "listed id")
	assert(list[1] == s, "two objects of one session are ==")
	raises("StateError", s.wait, s, 0) -- not started yet
	raises("StateError", s.poll, s)
	s:start()
	raises("StateError", s.start, s) -- started already
	eq(s:poll(), nil, "poll while it runs")
	raises("Timeout", s.wait, s, 0.1)
	assert(readable(r, GUARD), "the session's output")
	local buf = ffi.new("char[64]")
	eq(ffi.string(buf, C.read(r, buf, 64)), "session\n", "the session's stdout")
	C.close(r)
	local fd = s:wait_fd()
	assert(not readable(fd, 0), "not readable while it runs")
	raises("InvalidArgument", s.resize, s, 24, 80) -- no terminal
	s:kill("KILL")
	assert(readable(fd, GUARD), "readable once it was killed")
	ctr.close_fd(fd)
	eq(s:wait(GUARD), 137, "killed by SIGKILL")
	eq(s:poll(), 137, "poll once it has exited")
	s:remove()
	eq(#c:exec_list(), 0, "removed")
	raises("NotFound", s.start, s)
	-- kill's default signal is KILL; remove(true) and remove{ force = true } force.
	local s2 = c:exec_create { argv = { "/bin/sleep", "30" } }
	local s3 = c:exec_create { argv = { "/bin/sleep", "30" } }
	s2:start()
	s3:start()
	raises("StateError", s2.remove, s2) -- it runs
	s2:remove(true)
	s3:remove { force = true }
	eq(#c:exec_list(), 0, "removed by force")
	local s4 = c:exec_create { "/bin/sh", "-c", "trap 'exit 9' TERM; sleep 30 & wait" }
	s4:start()
	s4:kill()
	eq(s4:wait(GUARD), 137, "kill() sends SIGKILL")
	local s5 = c:exec_create { argv = { "/bin/sh", "-c", "exit 5" } }
	s5:start()
	eq(s5:wait(), 5, "wait(nil) waits for the exit")
	-- Misuse.
	raises("TypeError", s5.wait) -- s.wait() for s:wait()
	raises("TypeError", s5.wait, c)
	raises("TypeError", s5.wait, s5, -1)
	raises("TypeError", s5.kill, s5, "NOSUCHSIG")
	raises("TypeError", s5.remove, s5, { forse = true })
	c:free()
	local e = raises("TypeError", s5.poll, s5)
	has(e.message, "freed", "a session of a freed handle")
end)

test("exec_session_on_a_terminal_is_resized", { rootfs = true }, function(w)
	local rt = w:runtime()
	local c = w:create(rt, "sleep 30")
	c:start()
	local r, wfd = pipe()
	local s = c:exec_create { argv = { "/bin/sh", "-c",
		"while [ ! -e /shared/go ]; do sleep 0.05; done; stty size" }, terminal = true,
		stdout_fd = wfd }
	C.close(wfd)
	s:start()
	s:resize(33, 101)
	assert(io.open(w.base .. "/io/go", "w")):close()
	eq(s:wait(GUARD), 0, "stty's exit code")
	s:remove()
	has(read_all(r), "33 101", "the size the process sees")
	C.close(r)
end)

-- The conversions themselves, without a container.
test("timeouts_are_seconds_rounded_up", function()
	local K = require "ctr.core"
	eq(K.timeout_ms(nil, "t", "timeout"), -1, "nil: forever")
	eq(K.timeout_ms(0, "t", "timeout"), 0, "0")
	eq(K.timeout_ms(1.5, "t", "timeout"), 1500, "1.5 s")
	eq(K.timeout_ms(0.0001, "t", "timeout"), 1, "a fraction of a ms rounds up")
	eq(K.timeout_ms(1e12, "t", "timeout"), 0x7fffffff, "capped at INT_MAX ms")
	eq(K.timeout_s(nil, "t", "timeout"), -1, "stop's nil: the configured timeout")
	eq(K.timeout_s(0, "t", "timeout"), 0, "stop's 0: SIGKILL at once")
	eq(K.timeout_s(0.2, "t", "timeout"), 1, "stop's 0.2 s: 1 s")
	eq(K.timeout_s(2, "t", "timeout"), 2, "stop's 2 s")
	for _, bad in ipairs { -1, -0.001, 0 / 0, "1", true } do
		raises("TypeError", K.timeout_ms, bad, "t", "timeout")
		raises("TypeError", K.timeout_s, bad, "t", "timeout")
	end
end)

test("time_bounds_are_epoch_seconds_widened_by_their_precision", function()
	local K = require "ctr.core"
	local function ns(v, upper)
		return tostring(K.epoch_ns(v, "t", "since", upper))
	end
	eq(ns(nil), "0LL", "nil: no bound")
	eq(ns(5), "5000000000LL", "whole seconds are exact")
	eq(ns(5, true), "5000000000LL", "whole seconds are exact, as an upper bound")
	eq(ns(0, true), "1LL", "an upper bound at the epoch (0 is no bound)")
	-- 1765000000.123456789 is 1765000000.12345671653... as a double, whose last place
	-- is 2^-22 s (238.4 ns): widened by that, down or up.
	eq(ns(1765000000.123456789), "1765000000123456478LL", "lower bound")
	eq(ns(1765000000.123456789, true), "1765000000123456955LL", "upper bound")
	eq(K.seconds_of_ns(ffi.new("int64_t", 1765000000123456789LL)), 1765000000.123456789,
		"ns to seconds, rounded once")
	for _, bad in ipairs { -1, 0 / 0, 1 / 0, 1e10, "1", true } do
		raises("TypeError", K.epoch_ns, bad, "t", "since")
	end
end)

test("every_timeout_argument_is_seconds", { rootfs = true }, function(w)
	local rt = w:runtime()
	local c = w:create(rt, "trap '' TERM; touch /shared/ready; while :; do sleep 0.1; done")
	c:start()
	c:wait_condition("running", GUARD)
	w:take_file("ready", GUARD)
	local t0 = now()
	raises("Timeout", c.wait, c, 0.2)
	assert(now() - t0 >= 0.19, "wait(0.2) gave up after " .. (now() - t0) .. " s")
	raises("Timeout", c.wait_condition, c, "paused", 0.05)
	local e = raises("Timeout", c.exec, c, { argv = { "/bin/sleep", "30" }, timeout = 0.2 })
	has(e.message, "timed out after 0.2 s", "exec's message")
	for _, bad in ipairs { -1, "1", 0 / 0 } do
		raises("TypeError", c.wait, c, bad)
		raises("TypeError", c.wait_condition, c, "stopped", bad)
		raises("TypeError", c.stop, c, bad)
		raises("TypeError", c.restart, c, bad)
		raises("TypeError", c.exec, c, { argv = { "/bin/true" }, timeout = bad })
	end
	eq(c:state(), "running", "still running")
	-- It ignores SIGTERM: stop(0.2) waits a whole second (0.2 rounded up), then kills.
	t0 = now()
	c:stop(0.2)
	assert(now() - t0 >= 0.9, "stop(0.2) killed it after " .. (now() - t0) .. " s")
	eq(c:exit_code(), 137, "killed")
	eq(c:wait(1e12), 137, "a long timeout is capped, not refused")
	-- The config's stop_timeout is whole seconds too: 0.5 is 1.
	local d = rt:create { rootfs = ROOTFS, args = { "/bin/true" }, stop_timeout = 0.5 }
	has(d:inspect(), '"stop_timeout":1', "stop_timeout rounded up")
end)

-- The names of the Python binding's exceptions (bindings/python/ctr/_errors.py), code
-- by code.
test("error_names_are_the_python_bindings", function()
	local f = assert(io.open(REPO .. "/bindings/python/ctr/_errors.py"))
	local src = f:read("*a")
	f:close()
	local codes = {}
	for name, value in src:gmatch("\nE_(%u+) = (%-%d+)") do
		codes[name] = tonumber(value)
	end
	local n = 0
	for class, body in src:gmatch("%f[%w]class (%w+)%b():(.-)\n\n\n") do
		local code = body:match("\n    code = E_(%u+)")
		if code then
			eq(ctr.errors[codes[code]], class, "name of code " .. code)
			eq(ctr.E[code], codes[code], "ctr.E." .. code)
			n = n + 1
		end
	end
	eq(n, 16, "error classes compared")
	local count = 0
	for _ in pairs(ctr.errors) do
		count = count + 1
	end
	eq(count, 16, "names in ctr.errors")
	eq(ctr.errors[ctr.E.IO], "IOFailed", "CTR_E_IO")
	eq(ctr.errors[ctr.E.RUNTIME], "RuntimeFailed", "CTR_E_RUNTIME")
	raises("IOFailed", ctr.close_fd, 1000000)
end)
