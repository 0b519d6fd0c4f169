set terminal pngcairo size 900,500
set output 'wws-compile.png'
set title 'Writable working set: compile'
set xlabel 'round'
set ylabel 'pages (4 KiB)'
set logscale y
set xtics 1
set key outside
plot 'wws-compile.dat' index 0 using 1:2 with linespoints title 'transparent sent', '' index 0 using 1:3 with lines dashtype 2 title 'transparent dirtied', 'wws-compile.dat' index 1 using 1:2 with linespoints title 'assisted sent', '' index 1 using 1:3 with lines dashtype 2 title 'assisted dirtied', 'wws-compile.dat' index 2 using 1:2 with linespoints title 'self sent', '' index 2 using 1:3 with lines dashtype 2 title 'self dirtied'
