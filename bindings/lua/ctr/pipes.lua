-- Pipes for ctr.lua's exec: make them, feed one and drain two with a poll() loop, so a
-- process that writes much while it reads its stdin never deadlocks with us. Plain libc
-- through the FFI (the declarations are in ctr/cdef.lua); nothing here knows libctr.
local ffi = require "ffi"
require "ctr.cdef"

local C = ffi.C
local bor, band = bit.bor, bit.band

local O_NONBLOCK, O_CLOEXEC = 0x800, 0x80000
local F_GETFL, F_SETFL = 3, 4
local POLLIN, POLLOUT, POLLERR, POLLHUP = 0x1, 0x4, 0x8, 0x10
local EINTR, EAGAIN, EPIPE = 4, 11, 32
local SIGPIPE, SIG_BLOCK, SIG_SETMASK = 13, 0, 2
local CHUNK = 65536

local M = {}

local function errno_text(e)
	return ffi.string(C.strerror(e))
end

local function close(fd)
	if fd and fd >= 0 then
		C.close(fd)
	end
end
M.close = close

-- A pipe whose end `ours` ("r" or "w") is non-blocking: returns read fd, write fd.
-- The other end, the process's, stays blocking. Both are close-on-exec.
function M.pipe(ours)
	local fds = ffi.new("int[2]")
	if C.pipe2(fds, O_CLOEXEC) < 0 then
		return nil, "pipe2: " .. errno_text(ffi.errno())
	end
	local fd = ours == "r" and fds[0] or fds[1]
	local fl = C.fcntl(fd, F_GETFL)
	if fl < 0 or C.fcntl(fd, F_SETFL, ffi.new("int", bor(fl, O_NONBLOCK))) < 0 then
		local e = ffi.errno()
		close(fds[0])
		close(fds[1])
		return nil, "fcntl: " .. errno_text(e)
	end
	return fds[0], fds[1]
end

-- Writing to a pipe whose reader is gone raises SIGPIPE, which would kill the Lua
-- process: block it while we write and take a SIGPIPE we caused before unblocking.
local function sigpipe_block()
	local set, old, pending = ffi.new("sigset_t"), ffi.new("sigset_t"), ffi.new("sigset_t")
	C.sigemptyset(set)
	C.sigaddset(set, SIGPIPE)
	C.sigpending(pending)
	local was_pending = C.sigismember(pending, SIGPIPE) == 1
	C.pthread_sigmask(SIG_BLOCK, set, old)
	return function(caused)
		if caused and not was_pending then
			C.sigtimedwait(set, nil, ffi.new("struct timespec"))
		end
		C.pthread_sigmask(SIG_SETMASK, old, nil)
	end
end

-- Read what fd holds now into parts: returns "eof", "again" or nil plus an error.
local buf
local function drain(fd, parts)
	buf = buf or ffi.new("char[?]", CHUNK)
	while true do
		local n = tonumber(C.read(fd, buf, CHUNK))
		if n > 0 then
			parts[#parts + 1] = ffi.string(buf, n)
		elseif n == 0 then
			return "eof"
		else
			local e = ffi.errno()
			if e == EAGAIN then
				return "again"
			elseif e ~= EINTR then
				return nil, "read: " .. errno_text(e)
			end
		end
	end
end

-- Feed `input` (a string or nil) to in_w, collect out_r and err_r until both end or, once
-- done_fd (may be nil) is readable, until they hold nothing more. Every fd given is
-- closed before this returns. deadline_ms (nil: none) is a time from M.now_ms().
-- Returns stdout, stderr; or nil, "timeout"; or nil, an error text.
function M.communicate(in_w, input, out_r, err_r, done_fd, deadline)
	local outs, errs = {}, {}
	local open = { [out_r or -1] = outs, [err_r or -1] = errs }
	open[-1] = nil
	local pos, input_len = 1, input and #input or 0
	if in_w and pos > input_len then
		close(in_w)
		in_w = nil
	end
	local restore = sigpipe_block()
	local epipe, done, failure = false, false, nil
	local pfds = ffi.new("struct pollfd[4]")
	while next(open) and not failure do
		local n = 0
		if in_w then
			pfds[n].fd, pfds[n].events, n = in_w, POLLOUT, n + 1
		end
		for fd in pairs(open) do
			pfds[n].fd, pfds[n].events, n = fd, POLLIN, n + 1
		end
		if done_fd and not done then
			pfds[n].fd, pfds[n].events, n = done_fd, POLLIN, n + 1
		end
		local wait = -1
		if deadline then
			wait = math.max(0, math.floor(deadline - M.now_ms()))
		end
		local r = C.poll(pfds, n, wait)
		if r < 0 and ffi.errno() ~= EINTR then
			failure = "poll: " .. errno_text(ffi.errno())
		elseif r == 0 then
			failure = "timeout"
		end
		for i = 0, (r > 0 and n or 0) - 1 do
			local fd, ev = pfds[i].fd, pfds[i].revents
			if ev ~= 0 and fd == in_w then
				local w = tonumber(C.write(in_w, ffi.cast("const char *", input) + pos - 1,
					math.min(CHUNK, input_len - pos + 1)))
				if w > 0 then
					pos = pos + w
				elseif w < 0 and ffi.errno() == EPIPE then
					epipe, pos = true, input_len + 1 -- the reader is gone: drop the rest
				elseif w < 0 and ffi.errno() ~= EAGAIN and ffi.errno() ~= EINTR then
					failure = "write: " .. errno_text(ffi.errno())
				end
				if pos > input_len then
					close(in_w)
					in_w = nil
				end
			elseif ev ~= 0 and open[fd] then
				local st, err = drain(fd, open[fd])
				if st ~= "again" then
					failure = failure or err
					close(fd)
					open[fd] = nil
				end
			elseif ev ~= 0 and fd == done_fd then
				done = true
			end
		end
		if done and not failure then
			-- The process is gone: what it wrote is in the pipes. Do not wait for
			-- another holder of their write ends (a process it left behind).
			for fd, parts in pairs(open) do
				local _, err = drain(fd, parts)
				failure = failure or err
				close(fd)
				open[fd] = nil
			end
		end
	end
	restore(epipe)
	close(in_w)
	for fd in pairs(open) do
		close(fd)
	end
	if failure then
		return nil, failure
	end
	return table.concat(outs), table.concat(errs)
end

local ts = ffi.new("struct timespec")
-- Milliseconds of CLOCK_MONOTONIC.
function M.now_ms()
	C.clock_gettime(1, ts)
	return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

return M
