#!/bin/sh
# Every example program once, on the busybox rootfs, with its output checked (ctr-run's
# networks too: a busybox httpd behind a published port on 127.0.0.1); ctr-run's
# image commands on the images of tests/fixtures/mkimages.sh (CTR_TEST_IMAGES, default
# BUILD_DIR/images; skipped, saying so, when they are missing).
# Usage: tests/examples/run.sh BUILD_DIR   (root: the examples run real containers)
set -u
B=${1:?usage: tests/examples/run.sh BUILD_DIR}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
rootfs=$B/rootfs
images=${CTR_TEST_IMAGES:-$B/images}
tmp=$(mktemp -d /tmp/ctr-examples-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
CTR_MONITOR=${CTR_MONITOR:-$B/ctr-monitor}
CTR_CLEANUP=${CTR_CLEANUP:-$B/ctr-cleanup}
CTR_STATE_DIR=$tmp/state
CTR_RUN_DIR=$tmp/run
export CTR_MONITOR CTR_CLEANUP CTR_STATE_DIR CTR_RUN_DIR
fail=0

# expect NAME WANT CMD...: CMD's stdout must be WANT exactly.
expect() {
	name=$1 want=$2
	shift 2
	got=$("$@" 2>"$tmp/err")
	if [ "$got" = "$want" ]; then
		echo "ok   $name"
	else
		echo "FAIL $name: expected:"
		echo "$want" | sed 's/^/       /'
		echo "     got:"
		echo "$got" | sed 's/^/       /'
		sed 's/^/     stderr: /' "$tmp/err"
		fail=1
	fi
}

for ex in hello ctr-watch ctr-batch ctr-run mini-init; do
	usage=$("$B/examples/$ex" 2>&1 </dev/null)
	case $usage in
	*usage:*) echo "ok   $ex without arguments prints its usage line" ;;
	*) echo "FAIL $ex without arguments: '$usage'" && fail=1 ;;
	esac
done

expect "hello runs a container" "hello from a container
exit code 0" "$B/examples/hello" "$rootfs"
expect "hello passes the exit code on" "exit code 3" "$B/examples/hello" "$rootfs" /bin/sh -c 'exit 3'
expect "ctr-watch reports exits in the order they happen" "watch-2 exited with 1
watch-3 exited with 3
watch-1 exited with 5" "$B/examples/ctr-watch" "$rootfs" 'sleep 0.8; exit 5' 'exit 1' 'sleep 0.4; exit 3'
expect "ctr-batch stops inside one lock" "in the batch: running, pid set
in the batch: stopped, exit code 137" "$B/examples/ctr-batch" "$rootfs"

run=$B/examples/ctr-run
# bad NAME CMD... MESSAGE: CMD must exit 125 with MESSAGE on stderr, and no output.
bad() {
	name=$1 msg=$2
	shift 2
	got=$("$@" 2>"$tmp/err")
	st=$?
	if [ $st = 125 ] && [ -z "$got" ] && grep -qF -- "$msg" "$tmp/err"; then
		echo "ok   $name"
	else
		echo "FAIL $name: status $st, stdout '$got', stderr:"
		sed 's/^/       /' "$tmp/err"
		fail=1
	fi
}
expect "ctr-run run prints only the output and exits with the container's code" "hi
7" sh -c "'$run' run '$rootfs' /bin/sh -c 'echo hi; exit 7'; echo \$?"
expect "ctr-run run -i passes stdin; -d leaves it running" "got in
0
running" sh -c "echo in | '$run' run -i '$rootfs' sh -c 'read x; echo got \$x'; echo \$?
	'$run' run -d --name det '$rootfs' sleep 60 >/dev/null &&
	'$run' ps --json | grep -o '\"name\":\"det\",\"state\":\"[a-z]*\"' | sed 's/.*:\"//; s/\"//'
	'$run' rm -f det >/dev/null"
expect "ctr-run attach exits with the container's code" "got x
5" sh -c "'$run' create -i --name att '$rootfs' sh -c 'read v; echo got \$v; exit 5' >/dev/null &&
	'$run' start att && echo x | '$run' attach att; echo \$?; '$run' rm att >/dev/null"
expect "ctr-run run and exec: 127 for a missing command, 126 for one not executable, the message once" \
	"127 1
126 1
127 1
126 1" sh -c "'$run' run '$rootfs' /nonexist 2>'$tmp/e1'; echo \$? \$(grep -c nonexist '$tmp/e1')
	'$run' run '$rootfs' /etc/passwd 2>'$tmp/e1'; echo \$? \$(grep -c passwd '$tmp/e1')
	'$run' run -d --name ex '$rootfs' sleep 60 >/dev/null
	'$run' exec ex nonexist 2>'$tmp/e1'; echo \$? \$(grep -c nonexist '$tmp/e1')
	'$run' exec ex /etc/passwd 2>'$tmp/e1'; echo \$? \$(grep -c passwd '$tmp/e1')
	'$run' rm -f ex >/dev/null"
bad "ctr-run --memory 64x is refused" "\"64x\" for \"--memory\"" "$run" run --memory 64x "$rootfs" true
bad "ctr-run --pids-limit abc is refused" "\"abc\" for \"--pids-limit\"" "$run" create --pids-limit abc "$rootfs" true
bad "ctr-run --pids 1x is refused" "\"1x\" for \"--pids-limit\"" "$run" create --pids 1x "$rootfs" true
bad "ctr-run stop -t abc is refused" "\"abc\" for \"-t/--time\"" "$run" stop -t abc nosuch
bad "ctr-run stop -t -1 is refused" "\"-1\" for \"-t/--time\"" "$run" stop -t -1 nosuch
bad "ctr-run --stop-timeout 1.5 is refused" "\"1.5\" for \"--stop-timeout\"" "$run" create --stop-timeout 1.5 "$rootfs" true
bad "ctr-run --restart always:3 is refused" "\"always:3\" for \"--restart\"" "$run" create --restart always:3 "$rootfs" true
bad "ctr-run --memory beyond 64 bits is refused" "too large" "$run" create -m 99999999999999999999 "$rootfs" true
bad "ctr-run logs -n x is refused" "\"x\" for \"-n\"" "$run" logs -n x nosuch
bad "ctr-run events --since 1h is refused" "\"1h\" for \"--since\"" "$run" events --since 1h
bad "ctr-run -v with a relative source is refused" "\"vol:/mnt\" for \"--volume\"" "$run" create -v vol:/mnt "$rootfs" true
bad "ctr-run -v with a missing source is refused" "\"$tmp/none:/mnt\" for \"--volume\"" "$run" create -v "$tmp/none:/mnt" "$rootfs" true
bad "ctr-run -v with an unknown option is refused" "\"/tmp:/mnt:rx\" for \"--volume\"" "$run" run -v /tmp:/mnt:rx "$rootfs" true
bad "ctr-run -v without a destination is refused" "\"/tmp\" for \"--volume\"" "$run" run -v /tmp "$rootfs" true
bad "ctr-run --label without = is refused" "\"k\" for \"--label\"" "$run" create --label k "$rootfs" true
bad "ctr-run -u a:b:c is refused" "\"a:b:c\" for \"--user\"" "$run" create -u a:b:c "$rootfs" true
bad "ctr-run -u with a name not in the rootfs fails the run" "\"nosuch\" is not in /etc/passwd" "$run" run -u nosuch "$rootfs" true
bad "ctr-run --cap-add of an unknown capability is refused" "\"NOPE\" for \"--cap-add\"" "$run" create --cap-add NOPE "$rootfs" true
bad "ctr-run --cap-drop of an unknown capability is refused" "\"nope\" for \"--cap-drop\"" "$run" create --cap-drop nope "$rootfs" true
expect "ctr-run -u takes a user name or numbers, as run and exec" "uid=1000(app) gid=1000(app) groups=50(staff)
uid=2000 gid=2000
uid=65534(nobody) gid=65534(nogroup)" sh -c "
	'$run' run -u app '$rootfs' id; '$run' run --user 2000:2000 '$rootfs' id
	'$run' run -d --name usr '$rootfs' sleep 60 >/dev/null && '$run' exec -u nobody usr id
	'$run' rm -f usr >/dev/null"
expect "ctr-run --cap-drop takes from the default set, --cap-add adds to it" "00000000a82425da
0000000000000020" sh -c "
	'$run' run --cap-drop chown --cap-drop CAP_KILL --cap-add sys_admin '$rootfs' sh -c 'grep CapEff /proc/self/status' | cut -f2
	'$run' run --cap-drop all --cap-add kill '$rootfs' sh -c 'grep CapEff /proc/self/status' | cut -f2"
mkdir "$tmp/vol" && echo from-host >"$tmp/vol/f"
expect "ctr-run -v bind-mounts a host directory, read-only with :ro" "from-host
ro-refused
from-container" sh -c "
	'$run' run -v '$tmp/vol:/mnt:ro' '$rootfs' sh -c 'cat /mnt/f; echo x >/mnt/g 2>/dev/null || echo ro-refused'
	'$run' run -v '$tmp/vol:/mnt' '$rootfs' sh -c 'echo from-container >/mnt/g' && cat '$tmp/vol/g'"
expect "ctr-run --hostname and --read-only reach the container" "hh
read-only" sh -c "'$run' run --hostname hh --read-only '$rootfs' sh -c 'hostname; touch /x 2>/dev/null || echo read-only'"
expect "ctr-run run -t gives the container a terminal" "/dev/pts/N on a tty" sh -c "
	'$run' run -t '$rootfs' sh -c 'test -t 0 && test -t 1 && echo \$(tty) on a tty' </dev/null | tr -d '\r' | sed 's|/dev/pts/[0-9]*|/dev/pts/N|'"
expect "ctr-run run -e keeps the default PATH: sh is found" "1" "$run" run -e FOO=1 "$rootfs" sh -c 'echo $FOO'
printf 'B=2\n# comment\n\nC\n' >"$tmp/env"
expect "ctr-run create sets sizes with units, limits, caps, restart, env, workdir, labels" \
	'"env":["PATH=/bin","A=1","B=2","C=3"],"restart_policy":"on-failure","restart_max_retries":3,"cwd":"/tmp","hostname":"hh","capabilities":["CAP_KILL","CAP_NET_ADMIN"],"memory_limit":67108864,"pids_limit":10,"readonly_rootfs":true,"labels":{"k":"v"}
1073741824 524288 1000' sh -c "
	C=3 '$run' create --name opt -m 64m --pids-limit 10 --cap-drop ALL --cap-add KILL \
		--cap-add net_admin --restart on-failure:3 -e PATH=/bin -e A=1 --env-file '$tmp/env' \
		-w /tmp --hostname hh --read-only --label k=v '$rootfs' true >/dev/null &&
	'$run' inspect opt | sed 's/\\\\//g' | grep -o '\"env\":[^]]*]\|\"restart_policy\":[^,]*,\"restart_max_retries\":3\|\"cwd\":\"[^\"]*\",\"hostname\":\"hh\"\|\"capabilities\":[^]]*]\|\"memory_limit\":[0-9]*,\"pids_limit\":[0-9]*\|\"readonly_rootfs\":true\|\"labels\":{[^}]*}' |
		head -7 | paste -sd, -; '$run' rm opt >/dev/null
	for m in 1g 512k 1000; do
		'$run' create --name sz -m \$m '$rootfs' true >/dev/null &&
			'$run' inspect sz | grep -o '\"memory_limit\":[0-9]*' | cut -d: -f2 || echo 0
		'$run' rm sz >/dev/null 2>&1
	done | paste -sd' ' -"
expect "ctr-run ps shows id, command, created, status and name as podman ps does" \
	"CONTAINER ID COMMAND CREATED STATUS NAMES
ID sh -c exit 3; ech... X ago Exited (3) X ago ex3
ID true X ago Created new
ID sleep 60 X ago Up X up" sh -c "
	'$run' create --name new '$rootfs' true >/dev/null
	'$run' run -d --name ex3 '$rootfs' sh -c 'exit 3; echo never' >/dev/null && '$run' wait ex3 >/dev/null
	'$run' run -d --name up '$rootfs' sleep 60 >/dev/null
	'$run' ps | sed -E 's/^[0-9a-f]{12}  /ID            /; s/(Less than a second|[0-9]+ seconds?|About a minute)/X/g' | tr -s ' '
	'$run' rm -f new ex3 up >/dev/null"
expect "ctr-run create, start, exec, pause, wait, ps --json" \
	'exec 4
paused
0
[{"id":"X","name":"demo","state":"stopped","pid":0}]' sh -c "
	id=\$('$run' create --name demo '$rootfs' /bin/sh -c 'while [ ! -e /tmp/go.$$ ]; do sleep 0.05; done') &&
	'$run' start demo &&
	'$run' exec demo sh -c 'echo exec 4; exit 4'; [ \$? = 4 ] || echo bad-exec-code
	'$run' pause demo && '$run' ps --json | grep -o '\"state\":\"paused\"' | sed 's/.*:\"//; s/\"//' &&
	'$run' unpause demo && '$run' exec demo touch /tmp/go.$$ && '$run' wait demo &&
	'$run' ps --json | sed \"s/\$id/X/\" && '$run' rm demo >/dev/null; rm -f '$rootfs/tmp/go.$$'"
expect "ctr-run events lists the life of a container" "create
init
start
died
remove" sh -c "'$run' run '$rootfs' true >/dev/null; '$run' events --json |
	grep -o '\"type\":\"[a-z_]*\"' | tail -5 | sed 's/.*:\"//; s/\"//'"
expect "ctr-run export writes a tar of the rootfs" "bin/busybox" sh -c "
	'$run' create --name exp '$rootfs' true >/dev/null && '$run' export exp '$tmp/x.tar' &&
	tar -tf '$tmp/x.tar' | grep -x 'bin/busybox'; '$run' rm exp >/dev/null"

# ---- networks (subnets 10.89.231.0/24 and .232, host port 18231 on 127.0.0.1) -----------
bad "ctr-run -p with a port out of range is refused" "\"70000:80\" for \"--publish\"" "$run" create -p 70000:80 "$rootfs" true
bad "ctr-run -p with a bad protocol is refused" "\"8080:80/sctp\" for \"--publish\"" "$run" create -p 8080:80/sctp "$rootfs" true
bad "ctr-run -p without a container port is refused" "\"8080\" for \"--publish\"" "$run" run -p 8080 "$rootfs" true
bad "ctr-run -p with a bad host address is refused" "\"1.2.3:8080:80\" for \"--publish\"" "$run" create -p 1.2.3:8080:80 "$rootfs" true
bad "ctr-run -p twice on one host port is refused" "\"127.0.0.1:8080:81\" for \"--publish\"" "$run" create -p 8080:80 -p 127.0.0.1:8080:81 "$rootfs" true
bad "ctr-run --network with an option other than ip= is refused" "\"net:mac=x\" for \"--network\"" "$run" create --network net:mac=x "$rootfs" true
bad "ctr-run --network with a bad address is refused" "\"net:ip=10.89.1\" for \"--network\"" "$run" create --network net:ip=10.89.1 "$rootfs" true
bad "ctr-run run on an unknown network fails naming it" "nosuchnet" "$run" run --network nosuchnet "$rootfs" true
bad "ctr-run --network host with a network of its own is refused" "host" "$run" run --network host -p 8080:80 "$rootfs" true
bad "ctr-run network rm of an unknown network fails naming it" "nosuchnet" "$run" network rm nosuchnet
bad "ctr-run network create of a bad subnet is refused" "10.89.231.1/24" "$run" network create --subnet 10.89.231.1/24 badnet
expect "ctr-run network create, ls, inspect and rm" "exnet
NAME SUBNET GATEWAY BRIDGE CONTAINERS
exint 10.89.232.0/24 - BRIDGE 0
exnet 10.89.231.0/24 10.89.231.1 BRIDGE 0
exint
exnet
\"subnet\":\"10.89.231.0/24\",\"gateway\":\"10.89.231.1\"
exint
exnet" sh -c "
	'$run' network create --subnet 10.89.231.0/24 exnet &&
	'$run' network create --subnet 10.89.232.0/24 --internal exint >/dev/null &&
	'$run' network ls | sed -E 's/ctr[0-9a-f]{10}/BRIDGE/' | tr -s ' '; '$run' network ls -q
	'$run' network inspect exnet | grep -o '\"subnet\":\"[^\"]*\",\"gateway\":\"[^\"]*\"'
	'$run' network rm exint exnet"
mkdir "$tmp/www" && echo hello from httpd >"$tmp/www/index.html"
expect "ctr-run run --network NET:ip=A -p 127.0.0.1:PORT:80 publishes a container's httpd on the host" \
	"hello from httpd
\"ip\":\"10.89.231.7\"
\"ports\":[{\"host_ip\":\"127.0.0.1\",\"host_port\":18231,\"container_port\":80,\"protocol\":\"tcp\"}]
busy 125
gone" sh -c "
	'$run' network create --subnet 10.89.231.0/24 exweb >/dev/null &&
	'$run' run -d --name web --network exweb:ip=10.89.231.7 -p 127.0.0.1:18231:80/tcp \
		-v '$tmp/www:/www:ro' '$rootfs' httpd -f -p 80 -h /www >/dev/null &&
	for i in \$(seq 200); do
		out=\$(http_proxy= timeout 5 busybox wget -q -O - http://127.0.0.1:18231/ 2>/dev/null) && break
		sleep 0.1
	done; echo \"\$out\"
	'$run' inspect web | grep -o '\"networks\":{\"exweb\":{\"ip\":\"[0-9.]*\"' | grep -o '\"ip\":.*'
	'$run' inspect web | grep -o '\"ports\":\[[^]]*\]' | tail -1
	'$run' network rm exweb 2>/dev/null; echo busy \$?
	'$run' rm -f web >/dev/null
	http_proxy= timeout 5 busybox wget -q -O - http://127.0.0.1:18231/ 2>/dev/null || echo gone
	'$run' network rm exweb >/dev/null"

# ---- images ----------------------------------------------------------------------------
if [ ! -f "$images/.done-v1" ]; then
	echo "skip ctr-run's image commands: no images in $images (tests/fixtures/mkimages.sh $images)"
else
# The sed -E script that masks the ids, times and sizes of the images table.
mask='s/[0-9a-f]{12}  /ID            /; s/(Less than a second|[0-9]+ [a-z]+|About an? [a-z]+) ago/X ago/; s/[0-9.]+ [kMGT]?B$/SIZE/'
expect "ctr-run load prints the id; images lists each name once, an image's names alike" \
	"64 64 same
NAME IMAGE ID CREATED SIZE
bb:1.0 ID X ago SIZE
localhost/bb:1.0 ID X ago SIZE
localhost/imported:1 ID X ago SIZE
2" sh -c "
	a=\$('$run' load -n bb:1.0 '$images/oci') && b=\$('$run' load '$images/multi') &&
	echo \${#a} \${#b} \$([ \"\$a\" = \"\$b\" ] && echo same)
	'$run' images | sed -E '$mask' | tr -s ' '; '$run' images -q | wc -l"
expect "ctr-run run IMAGE runs its entrypoint and cmd, as its user, in its directory, with its env and whiteouts" \
	"hello from bar
uid=1234(app) gid=2345(app) /data c" sh -c "
	'$run' run bb:1.0; '$run' run localhost/bb:1.0 'echo \$(id) \$(pwd) \$(ls /data/opq)'"
expect "ctr-run --entrypoint replaces the entrypoint and drops the cmd; CMD replaces the cmd; -e -u -w win" \
	"a b

over 0 /
x" sh -c "
	'$run' run --entrypoint /bin/echo bb:1.0 a b; '$run' run --entrypoint /bin/echo bb:1.0
	'$run' run -e FOO=over -u root -w / bb:1.0 'echo \$FOO \$(id -u) \$(pwd)'
	'$run' run --entrypoint '[\"/bin/sh\",\"-c\",\"echo \$0\"]' bb:1.0 x"
expect "ctr-run image inspect shows the image's config" \
	'"stop_signal":"SIGUSR1"
"exposed_ports":["8080/tcp"]' sh -c "
	'$run' image inspect bb:1.0 | grep -o '\"stop_signal\":\"[A-Z0-9]*\"\|\"exposed_ports\":[^]]*]'"
expect "ctr-run tag adds names; rmi of one name untags it, of the last deletes the image" \
	"Untagged: extra:latest
Untagged: localhost/imported:1
Untagged: two:v2
Deleted: ID
none" sh -c "
	'$run' load '$images/podman.tar' >/dev/null && '$run' tag localhost/imported:1 extra two:v2 &&
	'$run' rmi extra && '$run' rmi localhost/imported:1 two:v2 | sed -E 's/[0-9a-f]{64}/ID/'
	'$run' image inspect localhost/imported:1 2>/dev/null || echo none"
bad "ctr-run rmi refuses an image a container was created from, naming it" "fromimg" sh -c "
	'$run' create --name fromimg bb:1.0 >/dev/null &&
	'$run' rmi \$('$run' image inspect bb:1.0 | grep -o '[0-9a-f]\{64\}' | head -1)
	st=\$?; '$run' rm fromimg >/dev/null; exit \$st"
expect "ctr-run pull fetches with skopeo (an oci: source here) and prints the id" "same
pulled:1" sh -c "
	id=\$('$run' pull --name pulled:1 'oci:$images/oci:1.0') &&
	[ \"\$id\" = \"\$('$run' image inspect bb:1.0 | grep -o '[0-9a-f]\\{64\\}' | head -1)\" ] && echo same
	'$run' images | grep -o '^pulled:1'"
bad "ctr-run run of an unknown image fails naming it" "no such image: nosuch:1" "$run" run nosuch:1
bad "ctr-run --entrypoint with a rootfs directory is refused" "\"/bin/echo\" for \"--entrypoint\"" \
	"$run" run --entrypoint /bin/echo "$rootfs" true
bad "ctr-run load of a file that is no image fails naming it" "$tmp/env" "$run" load "$tmp/env"
bad "ctr-run pull reports skopeo's failure" "skopeo" "$run" pull --timeout 20 "oci:$tmp/none:1"
fi

[ $fail = 0 ] && echo "examples: every example ran as expected"
exit $fail
