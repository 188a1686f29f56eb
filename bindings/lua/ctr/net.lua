-- Networks (include/ctr/net.h, libctr 1.1): the runtime's methods create_network,
-- networks, network_inspect and remove_network, and the config keys `networks` and `ports`
-- (ctr/config.lua calls add_networks and add_ports). A network is a bridge with an IPv4
-- subnet and its gateway; a container joins networks (eth0, eth1, ... in order) and
-- publishes ports; one with ports and no network joins "ctr" (ctr.DEFAULT_NETWORK),
-- created the first time a container needs it. See ctr.lua for the conventions.
local ffi = require "ffi"
local K = require "ctr.core"

local C, E = K.C, K.E
local check, type_error, want, str, opt_str, int, flag = K.check, K.type_error, K.want, K.str,
	K.opt_str, K.int, K.flag
local opts_table, set, take_strv, take_string = K.opts_table, K.set, K.take_strv,
	K.take_string

local M = { DEFAULT = "ctr", INTERNAL = 1 } -- CTR_NETWORK_DEFAULT, CTR_NET_INTERNAL

local out_str = ffi.new("char *[1]")

-- The runtime's pointer (rtp checks the runtime object and that it is open).
local rtp

local function inspect(rt, name, where)
	check(C.ctr_network_inspect(rtp(rt, where), str(name, where, "name"), out_str))
	return take_string(out_str[0])
end

local create_known = set("subnet", "gateway", "internal")

--- Create a network: o.subnet "A.B.C.D/N" (nil: the first free /24 of 10.89.0.0/16),
-- o.gateway (nil: the subnet's first address), o.internal (no route out, no ports).
-- Returns its JSON document (rt:network_inspect). InvalidArgument (a bad name, subnet or
-- gateway, an overlap with another network or a host route), Exists.
local function create_network(rt, name, o)
	local where = "create_network"
	local p = rtp(rt, where)
	o = opts_table(o, where, create_known)
	local opts = ffi.new("ctr_network_opts_t")
	opts.sz = ffi.sizeof(opts)
	opts.subnet = opt_str(o.subnet, where, "subnet")
	opts.gateway = opt_str(o.gateway, where, "gateway")
	opts.flags = flag(o.internal, where, "internal") and M.INTERNAL or 0
	check(C.ctr_network_create(p, str(name, where, "name"), opts))
	return inspect(rt, name, where)
end

--- The names of all networks, sorted.
local function networks(rt)
	local names, count = ffi.new("char **[1]"), ffi.new("size_t[1]")
	check(C.ctr_network_list(rtp(rt, "networks"), names, count))
	local t = take_strv(names[0], count[0])
	table.sort(t)
	return t
end

--- The network as JSON text (docs/inspect.md): name, subnet, gateway, bridge, internal,
-- created, conflist, containers, configured. NotFound.
local function network_inspect(rt, name)
	return inspect(rt, name, "network_inspect")
end

--- Remove a network and its bridge. NotFound; Busy while a container is configured with
-- it (the message names one).
local function remove_network(rt, name)
	local where = "remove_network"
	check(C.ctr_network_remove(rtp(rt, where), str(name, where, "name"), 0))
end

-- Add the network methods to the Runtime metatable; rt_pointer(rt, op) checks a runtime.
function M.install(Runtime, rt_pointer)
	rtp = rt_pointer
	Runtime.create_network, Runtime.networks = create_network, networks
	Runtime.network_inspect, Runtime.remove_network = network_inspect, remove_network
end

---------------------------------------------------------------------------------------
-- Config keys

--- networks = { "net1", { "net2", "10.89.3.7" }, { name = "net3", ip = nil } }: each
-- joined in order (ctr_config_add_network). Returns 0 or the first failure's code.
function M.add_networks(cfg, v, where)
	want(v, "table", where, "networks")
	for i, n in ipairs(v) do
		local what = "networks[" .. i .. "]"
		local name, ip = n, nil
		if type(n) == "table" then
			name, ip = n.name or n[1], n.ip or n[2]
		elseif type(n) ~= "string" then
			type_error("%s: %s must be a name or a table { name, ip }, not %s", where, what,
				type(n))
		end
		local r = C.ctr_config_add_network(cfg, str(name, where, what .. ".name"),
			opt_str(ip, where, what .. ".ip"))
		if r < 0 then return r end
	end
	return 0
end

local PORT_FORM = "[HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp]"

-- A podman -p string -> host_ip (or nil), host_port, container_port, protocol (or nil);
-- InvalidArgument when it is not of that form (the values are the library's to check).
function M.parse_port(spec, where)
	local addr, proto = spec:match("^([^/]*)/(.*)$")
	addr = addr or spec
	local ip, hp, cp = addr:match("^([^:]*):(%d+):(%d+)$")
	if not ip then
		hp, cp = addr:match("^(%d+):(%d+)$")
	end
	if not hp or proto == "" or #hp > 5 or #cp > 5 then
		error(K.new_error(E.INVAL, string.format("%s: port %q is not %s", where, spec,
			PORT_FORM)), 0)
	end
	return ip, tonumber(hp), tonumber(cp), proto
end

--- ports = { "127.0.0.1:8080:80/tcp", { host_ip = , host_port = , container_port = ,
-- protocol = }, { "127.0.0.1", 8080, 80, "udp" } } (ctr_config_add_port each); host_ip
-- nil: every address of the host, protocol nil: tcp. Returns 0 or the first failure's code.
function M.add_ports(cfg, v, where)
	want(v, "table", where, "ports")
	for i, p in ipairs(v) do
		local what = "ports[" .. i .. "]"
		local ip, hp, cp, proto
		if type(p) == "string" then
			ip, hp, cp, proto = M.parse_port(p, where)
		elseif type(p) == "table" then
			ip, hp, cp, proto = p.host_ip or p[1], p.host_port or p[2],
				p.container_port or p[3], p.protocol or p[4]
		else
			type_error("%s: %s must be a string %s or a table, not %s", where, what,
				PORT_FORM, type(p))
		end
		local r = C.ctr_config_add_port(cfg, opt_str(ip, where, what .. ".host_ip"),
			int(hp, where, what .. ".host_port", 0, 0xffffffff),
			int(cp, where, what .. ".container_port", 0, 0xffffffff),
			opt_str(proto, where, what .. ".protocol"))
		if r < 0 then return r end
	end
	return 0
end

return M
