set terminal pngcairo size 900,500
set output 'downtime.png'
set title "Downtime (the prober's longest gap), median"
set ylabel 'ms'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key outside
set yrange [0:*]
plot 'downtime.dat' using 2:xtic(1) title 'transparent', 'downtime.dat' using 3 title 'assisted', 'downtime.dat' using 4 title 'self'
