local GUARD, ctr, eq, has, now, raises, sh, test =
	require("harness").take "GUARD ctr eq has now raises sh test"
-- Networks (libctr 1.1): rt:create_network, networks, network_inspect, remove_network, the
-- config keys networks and ports, and a container on a network serving a published port
-- (busybox httpd, fetched from the host with busybox wget at 127.0.0.1). Only subnets of
-- their own under 10.89.0.0/16 (10.89.221.0/24 and up) and host ports 1822x.

local SUBNET, HOST_PORT = "10.89.221.0/24", 18221

-- The body at url, fetched again until the server answers or timeout seconds have passed;
-- nil and wget's message then.
local function fetch(url, timeout)
	local t0 = now()
	while true do
		local out, code = sh("http_proxy= timeout 5 busybox wget -q -O - " .. url)
		if code == 0 then
			return out
		end
		if now() - t0 > timeout then
			return nil, out
		end
		sh("sleep 0.1")
	end
end

test("network_options_are_checked", function()
	raises("TypeError", ctr.config_json, { rootfs = "/", args = { "true" }, ports = "80:80" })
	raises("TypeError", ctr.config_json, { rootfs = "/", args = { "true" }, ports = { 80 } })
	raises("TypeError", ctr.config_json, { rootfs = "/", args = { "true" }, networks = { 5 } })
	for _, bad in ipairs { "80", "a:b", "8080:80/", "8080-8081:80", ":80" } do
		raises("InvalidArgument", ctr.config_json, { rootfs = "/", args = { "true" },
			ports = { bad } })
	end
	for _, bad in ipairs { { ports = { "8080:80/sctp" } }, { ports = { "70000:80" } },
		{ ports = { "256.1.1.1:80:80" } }, { ports = { "8080:80", "8080:81" } },
		{ networks = { "bad/name" } }, { networks = { { "net", "10.89.1" } } },
		{ networks = { "net", "net" } } } do
		bad.rootfs, bad.args = "/", { "true" }
		raises("InvalidArgument", ctr.config_json, bad)
	end
	-- The same host port for tcp and udp is two ports.
	ctr.config_json { rootfs = "/", args = { "true" },
		networks = { "net", { "other", "10.89.3.7" }, { name = "third" } },
		ports = { "8080:80", "8080:80/udp", { "127.0.0.1", 8081, 81, "tcp" },
			{ host_port = 8082, container_port = 82 } } }
end)

test("networks_are_created_listed_inspected_and_removed", { rootfs = true }, function(w)
	local rt = w:runtime()
	local json = rt:create_network("luanet", { subnet = SUBNET })
	has(json, '"name":"luanet"', "create_network's document")
	has(json, '"subnet":"' .. SUBNET .. '"', "subnet")
	has(json, '"gateway":"10.89.221.1"', "gateway")
	has(json, '"internal":false', "internal")
	eq(rt:network_inspect("luanet"), json, "network_inspect")
	local inner = rt:create_network("luainternal", { subnet = "10.89.222.0/24", internal = true })
	has(inner, '"internal":true', "internal")
	has(inner, '"gateway":null', "an internal network's gateway")
	eq(table.concat(rt:networks(), " "), "luainternal luanet", "networks()")
	raises("Exists", rt.create_network, rt, "luanet", { subnet = "10.89.223.0/24" })
	raises("InvalidArgument", rt.create_network, rt, "overlap", { subnet = "10.89.221.0/25" })
	raises("InvalidArgument", rt.create_network, rt, "bad", { subnet = "10.89.223.1/24" })
	raises("InvalidArgument", rt.create_network, rt, "bad",
		{ subnet = "10.89.223.0/24", gateway = "10.89.224.1" })
	raises("TypeError", rt.create_network, rt, "bad", { subnt = "10.89.223.0/24" })
	rt:remove_network("luainternal")
	raises("NotFound", rt.remove_network, rt, "luainternal")
	raises("NotFound", rt.network_inspect, rt, "luainternal")
	rt:remove_network("luanet")
	eq(#rt:networks(), 0, "no networks left")
end)

test("a_container_on_a_network_serves_a_published_port", { rootfs = true }, function(w)
	local rt = w:runtime()
	rt:create_network("luaweb", { subnet = SUBNET })
	local c = w:create(rt, "exec httpd -f -p 80 -h /shared",
		{ networks = { { "luaweb", "10.89.221.7" } },
		ports = { "127.0.0.1:" .. HOST_PORT .. ":80/tcp" } })
	local f = assert(io.open(w.base .. "/io/index.html", "w"))
	f:write("hello from httpd\n")
	f:close()
	c:start()
	local body, why = fetch("http://127.0.0.1:" .. HOST_PORT .. "/", GUARD)
	eq(body, "hello from httpd\n", "the page (" .. tostring(why) .. ")")
	local doc = c:inspect()
	has(doc, '"networks":{"luaweb":{', "inspect's networks")
	has(doc, '"ip":"10.89.221.7"', "inspect's ip")
	has(doc, '"prefix_length":24', "inspect's prefix_length")
	has(doc, '"ports":[{"host_ip":"127.0.0.1","host_port":' .. HOST_PORT
		.. ',"container_port":80,"protocol":"tcp"}]', "inspect's ports")
	has(rt:network_inspect("luaweb"), '"' .. c:id() .. '":{', "the network's containers")
	local code, out = c:exec { argv = { "ip", "-4", "-o", "addr", "show", "eth0" } }
	eq(code, 0, "ip addr")
	has(out, "10.89.221.7/24", "eth0's address")
	local e = raises("Busy", rt.remove_network, rt, "luaweb")
	assert(e.message:find(c:name(), 1, true) or e.message:find(c:id(), 1, true),
		"the message names the container: " .. e.message)
	c:remove { force = true }
	has(rt:network_inspect("luaweb"), '"containers":{}', "no container on it")
	eq(fetch("http://127.0.0.1:" .. HOST_PORT .. "/", 0), nil, "the port after the run")
	rt:remove_network("luaweb")
end)

test("create_refuses_an_unknown_network", { rootfs = true }, function(w)
	local rt = w:runtime()
	local e = raises("NotFound", w.create, w, rt, "true", { networks = { "nosuchnet" } })
	has(e.message, "nosuchnet", "message")
	rt:create_network("luahost", { subnet = SUBNET })
	raises("InvalidArgument", w.create, w, rt, "true", { networks = { "luahost" },
		network = "host" })
	raises("InvalidArgument", w.create, w, rt, "true",
		{ networks = { { "luahost", "10.89.99.5" } } })
	rt:remove_network("luahost")
end)
