#!/bin/bash
# The guest's rx soft depth (256 buffers posted while the queue spins
# near saturation, the whole 1024-entry ring otherwise) against 6b1208a (pair 'ref'),
# on the Intel machine: a clone of the change built in /tmp/sd4/build,
# a clone of 6b1208a in /tmp/ab-new/build. Host -> guest only (the guest
# receives): saturation at 1518 B and 64 B, then the issue-10 loads in
# adaptive (CPU and p99 of the guest's polling thread). Results copied
# here after.
cd /tmp/sd4 || exit 1
out=/tmp/sd
common="--build /tmp/sd4/build --ref-build /tmp/ab-new/build --pairs stock,ours,ref --reverse"
for mem in "" --huge; do
	tag=${mem:+huge-}
	flock /tmp/vspin-bench.lock python3 bench/sweep.py $common $mem --modes poll,adaptive --loads sat --repeats 5 --duration 1 --size 1514 --out $out/${tag}1518-h2g
	flock /tmp/vspin-bench.lock python3 bench/sweep.py $common $mem --modes poll,adaptive --loads sat --repeats 5 --duration 1 --out $out/${tag}64-h2g
done
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --huge --modes adaptive --loads 1%,10%,50%,sat --pattern const --repeats 3 --duration 2 --out $out/huge-loads-h2g
echo done
