#!/bin/sh
# `make bench`: libctr's costs against runc and podman, printed as one markdown table
# (min / median / p99, then the ratios of DESIGN §7, all from this one run).
#   N=30        lifecycles per row (bench_lifecycle), `podman ps` runs (bench_podman), execs
#               and log runs per row (bench_interact), imports and create-to-running rounds
#               per row (bench_image), rounds of bench_network (networks, published ports)
#   STORE_N=1000  containers for the store rows (bench_store)
#   MAX_P=64    the largest parallelism of bench_parallel (1, 4, 16, 64 at once)
#   N_CKPT=10   checkpoint rounds (bench_checkpoint, with the fake runtime's 64 MiB images)
# Runs as root; podman and conmon come from `make bench` (scripts/deps.sh podman conmon).
set -eu
cd "$(dirname "$0")/.."
B=${B:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
N=${N:-30}
STORE_N=${STORE_N:-1000}
tests/fixtures/mkrootfs.sh "$B/rootfs"
# The images of bench_image (podman.tar: a docker-archive of busybox), as the tests have them.
tests/fixtures/mkimages.sh "$B/images"
tmp=$(mktemp -d /var/tmp/ctr-bench-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# The lifecycles get a rootfs of their own: podman --rootfs writes /etc/hosts and friends
# into the directory it is given, and the tests use $B/rootfs.
tests/fixtures/mkrootfs.sh "$tmp/rootfs"
rootfs=$tmp/rootfs
CTR_MONITOR=$B/ctr-monitor
CTR_CLEANUP=$B/ctr-cleanup
CTR_BENCH_KV=$tmp/kv
export CTR_MONITOR CTR_CLEANUP CTR_BENCH_KV
: >"$CTR_BENCH_KV"
status=0
started=$(date +%s)

# Everything below also goes to $tmp/table, from which bench/results.md is written.
{
echo "| metric | min | median | p99 | target |"
echo "|---|---|---|---|---|"
"$B/bench/bench_store" "$B/rootfs" "$STORE_N" | tee "$tmp/store" || status=1
awk -F'|' '/ctr_list of/ { print "list_median", $4 + 0 }' "$tmp/store" >>"$CTR_BENCH_KV"
"$B/bench/bench_store" "$B/rootfs" "$STORE_N" sync | grep 'ctr_create' || status=1
# The store's scaling: ctr_state and ctr_list with 10 to 10000 containers.
for n in 10 100 10000; do
	"$B/bench/bench_store" "$B/rootfs" "$n" | grep -E 'ctr_state read|ctr_list of' |
		sed "s/| ctr_state read |/| ctr_state read, $n containers |/" || status=1
done
"$B/bench/bench_lifecycle" "$rootfs" "$N" || status=1
"$B/bench/bench_podman" "$rootfs" "$N" || status=1
"$B/bench/bench_image" "$rootfs" "$B/images/podman.tar" "$N" || status=1
"$B/bench/bench_network" "$rootfs" "$N" || status=1
"$B/bench/bench_supervise" "$rootfs" "$N" || status=1
"$B/bench/bench_interact" "$rootfs" "$N" || status=1
bench/bindings.sh "$B" "$rootfs" 100000 "${N_BINDINGS:-20}" || status=1
# Latency against parallelism, and its figure.
mkdir -p bench/results
"$B/bench/bench_parallel" "$rootfs" bench/results/parallel.dat "${MAX_P:-64}" || status=1
if command -v gnuplot >/dev/null; then
	gnuplot -e "data='bench/results/parallel.dat'; out='bench/results/parallel.svg'" \
		bench/parallel.gp || status=1
fi
"$B/bench/bench_checkpoint" "$rootfs" "$(pwd)/tests/fake-runtime/fake-runtime" "${N_CKPT:-10}" ||
	status=1
"$B/bench/bench_export" "$rootfs" "$N" || status=1

# Ratio rows: "| what | - | value | - | target, met or missed |".
awk -v cpus="$(nproc)" -v store_n="$STORE_N" '
	{ v[$1] = $2 }
	function ratio(what, num, den, op, limit, target,   r, ok) {
		if (!(num in v) || !(den in v) || v[den] == 0) {
			printf "| %s | - | n/a | - | %s (not measured) |\n", what, target
			return
		}
		r = v[num] / v[den]
		ok = op == "<=" ? r <= limit : r >= limit
		printf "| %s | - | %.2f× | - | %s: %s |\n", what, r, target, ok ? "met" : "**missed**"
	}
	function show(what, num, den) { # a ratio DESIGN §7 sets no target for
		if (!(num in v) || !(den in v) || v[den] == 0)
			printf "| %s | - | n/a | - | - (not measured) |\n", what
		else
			printf "| %s | - | %.2f× | - | - |\n", what, v[num] / v[den]
	}
	function below(what, key, limit, unit, target) {
		if (!(key in v)) {
			printf "| %s | - | n/a | - | %s (not measured) |\n", what, target
			return
		}
		printf "| %s | - | %.2f %s | - | %s: %s |\n", what, v[key], unit, target,
		       v[key] < limit ? "met" : "**missed**"
	}
	END {
		ratio("podman restart / libctr restart latency (medians)", "podman_restart_median",
		      "restart_median", ">=", 1, "≥ 1×")
		ratio("5 operations unbatched / in one ctr_batch (medians)", "batch_plain_median",
		      "batch_median", ">=", 1, "batch faster")
		ratio("libctr lifecycle / `runc run` (medians)", "libctr_median", "runc_median",
		      "<=", 1.15, "≤ 1.15×")
		ratio("`podman run` / libctr lifecycle (medians)", "podman_median", "libctr_median",
		      ">=", 5, "≥ 5×")
		ratio("libctr `run --detach` lifecycle / `runc run` (medians)", "libctr_run_median",
		      "runc_median", "<=", 1.15, "≤ 1.15×")
		ratio("image create-to-running / rootfs create-to-running (medians)",
		      "image_run_median", "rootfs_run_median", "<=", 1.15, "≤ 1.15×")
		show("import docker-archive / `podman load` (medians)", "image_import_median",
		     "podman_load_median")
		show("image run / `podman run -d` of the image, to running (medians)",
		     "image_run_median", "podman_image_run_median")
		ratio("(lifecycle with a network and a port − without) / CNI plugins by hand (medians)",
		      "net_extra_median", "net_hand_median", "<=", 1.2, "≤ 1.2×")
		show("ctr_start: what a network and a port add / bridge + portmap ADD by hand",
		     "net_setup_extra_median", "net_hand_add_median")
		show("ctr_cleanup + ctr_remove: what they add / portmap + bridge DEL by hand",
		     "net_teardown_extra_median", "net_hand_del_median")
		ratio("`podman run -p` + `podman rm` / libctr lifecycle with a network and a port",
		      "podman_net_median", "net_port_median", ">=", 3, "≥ 3×")
		ratio("16 in parallel p99 / serial median (" cpus " CPUs)", "parallel_p99",
		      "libctr_median", "<=", 2, "≤ 2×")
		show("the floor: `runc run` 16 at once p99 / 1 at once median (bench_parallel)",
		     "par16_runc_p99", "par1_runc_median")
		show("libctr 16 at once p99 / 1 at once median (bench_parallel)", "par16_libctr_p99",
		     "par1_libctr_median")
		ratio("`podman ps -a` of 10 / ctr_list of " store_n " (medians)", "podman_ps_median",
		      "list_median", ">=", 20, "≥ 20×")
		ratio("ctr-monitor / conmon VmRSS", "monitor_rss_kb", "conmon_rss_kb", "<=", 1,
		      "≤ 1×")
		ratio("ctr-monitor / conmon Pss, alone", "monitor_pss_kb", "conmon_pss_kb", "<=",
		      0.5, "≤ 0.5×")
		ratio("ctr-monitor / conmon Pss per container, 10 each", "monitor_pss_n_kb",
		      "conmon_pss_n_kb", "<=", 0.5, "≤ 0.5×")
		show("ctr_exec / `runc exec` of /bin/true (medians)", "exec_libctr_median",
		     "exec_runc_median")
		show("`podman exec` / ctr_exec of /bin/true (medians)", "exec_podman_median",
		     "exec_libctr_median")
		show("ctr_attach through `cat` / host pipes, MiB/s (medians)", "attach_mibs_median",
		     "pipe_mibs_median")
		show("ctr_attach output only / a host pipe, MiB/s (medians)", "attach_out_mibs_median",
		     "pipe_out_mibs_median")
		show("ctr_state from Python / from C (medians)", "py_state_us", "c_state_us")
		show("ctr_state from Lua / from C (medians)", "lua_state_us", "c_state_us")
		show("lifecycle from Python / from C (medians)", "py_lifecycle_ms", "c_lifecycle_ms")
		show("lifecycle from Lua / from C (medians)", "lua_lifecycle_ms", "c_lifecycle_ms")
		show("checkpoint archive: what writing it adds / GNU tar of the images (medians)",
		     "ckpt_archive_extra_median", "ckpt_gnutar_median")
		show("ctr_export / `tar -cf` of 2000 × 64 KiB + /usr/share/doc, MB/s (medians)",
		     "export_big_mbs_median", "tar_big_mbs_median")
		show("ctr_export / `tar -cf` + `sync`, same tree (both durable), MB/s (medians)",
		     "export_big_mbs_median", "tarsync_big_mbs_median")
		below("ctr-monitor VmRSS (aim)", "monitor_rss_kb", 1024, "kB", "< 1024 kB")
		below("exit noticed by ctr_wait_fd after the exit file, p99", "waitfd_file_p99", 1,
		      "ms", "< 1 ms")
		if (v["parallel_failed"] > 0)
			printf "| lifecycles that failed in parallel | - | %d | - | 0: **missed** |\n",
			       v["parallel_failed"]
	}' "$CTR_BENCH_KV"
echo "$status" >"$tmp/status"
} | tee "$tmp/table"
status=$(cat "$tmp/status" 2>/dev/null || echo 1)

# bench/results.md: the table of this run, with where and when it ran.
{
	echo "# libctr benchmark results"
	echo
	echo "\`make bench\` on $(date -u +%Y-%m-%d) in $(($(date +%s) - started)) s: $(nproc) CPUs," \
		"kernel $(uname -r), $(runc --version 2>/dev/null | head -n 1)," \
		"$(podman --version 2>/dev/null || echo 'no podman')," \
		"crun: not measured (it refuses this machine's hybrid cgroups; see README)."
	echo "Rows: min / median / p99 of repeated runs; the ratio rows compare medians of the"
	echo "same run and say whether DESIGN §7's target is met."
	echo
	grep '^|' "$tmp/table"
	if [ -e bench/results/parallel.svg ]; then
		echo
		echo "![lifecycle latency against parallelism](results/parallel.svg)"
	fi
} >bench/results.md
echo "bench: wrote bench/results.md$([ -e bench/results/parallel.svg ] && echo ' and bench/results/parallel.svg')"
[ "$status" = 0 ] || echo "bench: some measurements failed (see the messages above)" >&2
exit "$status"
