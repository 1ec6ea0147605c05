# kivi's benchmark chart: bench/run.sh calls
#   gnuplot -e "datadir='bench/results'" -e "subtitle='...'" bench/plot.gp
# and the SVG goes to stdout.
if (!exists("datadir")) datadir = "bench/results"
if (!exists("subtitle")) subtitle = ""

set terminal svg size 1560,480 dynamic noenhanced font "sans,11" background rgb "white"
set multiplot layout 1,3 title "kivi benchmarks".(subtitle eq "" ? "" : "\n".subtitle)

# Left: one thread, 100 B values, throughput over libmemcached's.
set title "1 thread, 100 B: throughput / libmemcached (median of paired rounds)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set yrange [0:*]
set offsets 0, 0, graph 0.35, 0
set ylabel "× libmemcached"
set grid ytics
set key top right font ",9"
set xtics nomirror font ",10"
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 1.5 lc rgb "black"
plot datadir."/anchor_ratios.dat" using 2:xtic(1) title "kivi, 1 server" lc rgb "#1f77b4", \
     "" using 5 title "kivi, 3 servers" lc rgb "#aec7e8", \
     "" using 3 title "raw-socket floor (mg; classic get for batches)" lc rgb "#7f7f7f", \
     "" using 4 title "raw pipelined meta" lc rgb "#c7c7c7"
unset arrow 1

# Middle (issue 12): 64 threads on one server, each client's ops/s.
set title "64 threads, Get + 10% Set, 32 B, one server: ops/s"
set offsets 0, 0, graph 0.25, 0
set ylabel "ops/s"
set format y "%.0s%c"
plot datadir."/mux64.dat" using 2:xtic(1) title "kivi multiplexed, ≤ 4 conns" lc rgb "#1f77b4", \
     "" using 3 title "kivi, a conn per thread (64)" lc rgb "#aec7e8", \
     "" using 4 title "libmemcached pool / hiredis (64 conns)" lc rgb "#7f7f7f"
set format y "% h"

# Right: Get of 32 B values by client threads, per backend and client.
set title "Get, 32 B values: ops/s by client threads"
set style data linespoints
set logscale y
set offsets 0, 0, 0, 0
set yrange [*:*]
set ylabel "ops/s"
set xlabel "client threads"
set logscale x 2
set xrange [0.8:10]
set xtics (1, 2, 8)
set key outside right font ",9"
plot for [i=2:9] datadir."/threads.dat" using 1:i title columnheader(i) lw 2 pt 7
unset multiplot
