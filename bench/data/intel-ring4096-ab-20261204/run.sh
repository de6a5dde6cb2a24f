#!/bin/bash
# Adaptive's default rings, 4096 entries against 1024, in one sweep per
# direction. /tmp/fc is eb910ac; /tmp/fc4096 the same with
# VIRTIO_SPIN_ADAPTIVE_QUEUE_SIZE 4096 (ring4096.patch). Results copied here.
cd /tmp/fc || exit 1
common="--build /tmp/fc4096/build --ref-build /tmp/fc/build --pairs stock,ours,ref --modes poll,adaptive --loads 1%,10%,50%,sat --repeats 3 --duration 2 --huge --pattern const"
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --out /tmp/ab4096/g2h
flock /tmp/vspin-bench.lock python3 bench/sweep.py $common --reverse --out /tmp/ab4096/h2g
echo done
