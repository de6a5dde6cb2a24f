"""Timer probe (written for v21, not part of the suite): one queue, guest
-> host, 1.6 Mpps constant (10% here), adaptive at both ends, --no-huge;
2 s into the traffic, perf stat counts on the sink's CPU (1) for 2 s the
hardware timer writes (msr:write_msr: the TSC deadline), local timer
interrupts, hrtimer starts and cancels, context switches (two per sleep)
and the IPIs that wake the sleeper. Run from the checkout:

    python3 bench/data/issue10-kept-bound-20261201/timer-probe/timer_probe.py BUILD_DIR

Counts are inflated by the tracing itself; compare builds, not absolutes.
"""
import json, os, subprocess, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../../tests/dpdk"))
import harness as h
B = os.environ.setdefault("VSPIN_BUILD_DIR", sys.argv[1])
app = B + "/app/vspin-traffic"
events = "msr:write_msr,irq_vectors:local_timer_entry,timer:hrtimer_start,timer:hrtimer_cancel,sched:sched_switch,irq_vectors:call_function_single_entry,irq_vectors:reschedule_entry"
with h.private_dir() as d:
    sock = d + "/vh.sock"
    hv = "net_vhost_spin0,iface=%s,client=1,spin_mode=adaptive" % sock
    gv = "net_virtio_spin0,path=%s,server=1,spin_mode=adaptive" % sock
    ga = [app, "-l", "0", "--no-pci", "--no-huge", "-m", "512", "--file-prefix", "opg", "-d", h.plugin("virtio_spin"), "--vdev", gv, "--", "--role", "gen", "--quiet", "--json", d + "/g.json", "--rate", "1.6M", "--duration", "4"]
    ha = [app, "-l", "1", "--no-pci", "--no-huge", "-m", "512", "--file-prefix", "oph", "-d", h.plugin("vhost_spin"), "--vdev", hv, "--", "--role", "sink", "--quiet", "--json", d + "/h.json", "--wait", "30", "--idle-ms", "1000"]
    gp = subprocess.Popen(ga, stdout=open(d + "/g.log", "w"), stderr=subprocess.STDOUT, env=h.testpmd_env())
    time.sleep(1)
    hp = subprocess.Popen(ha, stdout=open(d + "/h.log", "w"), stderr=subprocess.STDOUT, env=h.testpmd_env())
    time.sleep(3.0)
    out = subprocess.run(["perf", "stat", "-x,", "-C", "1", "-e", events, "sleep", "2"], capture_output=True, text=True).stderr
    gp.wait(60); hp.wait(60)
    j = json.load(open(d + "/h.json"))
    x = j.get("xstats", {})
    print("cpu %.1f lost %d sleeps %s timeouts %s L %s C %s D %s B %s" % (j["traffic_cpu_pct"], j["lost"], x.get("rx_q0_sleeps"), x.get("rx_q0_sleep_timeouts"), x.get("rx_q0_latency_us"), x.get("rx_q0_wake_cpu_us"), x.get("rx_q0_wake_late_us"), x.get("rx_q0_sleep_cost_us")))
    for line in out.strip().splitlines():
        f = line.split(",")
        if len(f) > 2: print("  %-45s %s" % (f[2], f[0]))
    h.remove_eal_files("opg"); h.remove_eal_files("oph")
