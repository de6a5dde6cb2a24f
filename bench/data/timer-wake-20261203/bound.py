# Per repeat of one sweep or more: adaptive's p99 against stock's p99 + L + B: python3 bound.py DIR...
import csv,glob,sys,statistics
# per repeat: p99, p999, within stock p99 + L + B, for ours/ref adaptive
for d in sys.argv[1:]:
    f=glob.glob(d+'/**/runs.csv',recursive=True)[0]
    rev='--reverse' in open(f.replace('runs.csv','table.md')).read()
    side='guest' if rev else 'host'
    rows=list(csv.DictReader(open(f)))
    stock={r['repeat']:float(r['p99_us']) for r in rows if r['config']=='stock'}
    print(d)
    for c in ['ours adaptive','ref adaptive']:
        rs=[r for r in rows if r['config']==c]
        within=0; cells=[]
        for r in rs:
            b=stock[r['repeat']]+float(r['sink_latency_us'])+float(r['sink_sleep_cost_us'])
            ok=float(r['p99_us'])<=b; within+=ok
            cells.append("%.1f%%/%.0f/%.0f%s"%(float(r[side+'_cpu']),float(r['p99_us']),float(r['p999_us']),'' if ok else '*'))
        print("  %-14s within %d of %d; CPU/p99/p999 (* over): %s; median CPU %.1f p99 %.0f p999 %.0f"%(c,within,len(rs),' '.join(cells),statistics.median(float(r[side+'_cpu']) for r in rs),statistics.median(float(r['p99_us']) for r in rs),statistics.median(float(r['p999_us']) for r in rs)))
    print("  stock p99:", ' '.join("%.0f"%v for v in stock.values()))
