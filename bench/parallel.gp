# gnuplot: lifecycle latency against parallelism (bench/results/parallel.dat from
# bench_parallel). Usage: gnuplot -e "data='...'; out='...'" bench/parallel.gp
set terminal svg size 800,480 dynamic font "sans,12"
set output out
set title "Lifecycle of /bin/true: latency against parallelism (2 CPUs)"
set xlabel "lifecycles at once"
set ylabel "latency (ms)"
set logscale xy
set xtics (1, 4, 16, 64)
set key top left
set grid
plot data using 1:2 with linespoints lw 2 title "libctr p50", \
     data using 1:3 with linespoints dt 2 title "libctr p99", \
     data using 1:4 with linespoints lw 2 title "runc run p50", \
     data using 1:5 with linespoints dt 2 title "runc run p99", \
     data using 1:6 with linespoints lw 2 title "podman run p50", \
     data using 1:7 with linespoints dt 2 title "podman run p99"
