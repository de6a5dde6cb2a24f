"""Summary of a sweep DIR of this folder: the consumer's CPU, p99, L,
Mpps and the worst lost/reordered/duplicates per load and pair."""
import csv,json,sys,statistics as st,collections
for d in sys.argv[1:]:
    rows=list(csv.DictReader(open(d+'/runs.csv')))
    rev='--reverse' in json.load(open(d+'/meta.json'))['command']
    print(d)
    g=collections.defaultdict(list)
    for r in rows:
        if r['config'].startswith('calib'): continue
        g[(r['load'],r['config'])].append(r)
    for (load,cfg),rs in g.items():
        cpu=[float(r['guest_cpu'] if rev else r['host_cpu']) for r in rs]
        p99=[float(r['p99_us']) for r in rs]
        L=[r['sink_latency_us'] for r in rs]; 
        lost=max(int(r['lost']) for r in rs); ro=max(int(r['reordered']) for r in rs); du=max(int(r['duplicates']) for r in rs)
        mp=[float(r['mpps']) for r in rs]
        print("  %-4s %-14s cpu med %5.1f [%s] p99 med %6.0f [%s] L %s mpps %.2f lost %d/%d/%d" % (load,cfg,st.median(cpu),' '.join('%.1f'%c for c in cpu),st.median(p99),' '.join('%.0f'%p for p in p99),','.join(L),st.median(mp),lost,ro,du))
