"""The issue's p99 check, run by run: each adaptive run's p99 against
the stock pair's p99 in the same repeat + its L + its B ('!': over)."""
import csv,sys,collections
for d in sys.argv[1:]:
    rows=list(csv.DictReader(open(d+'/runs.csv')))
    stock={(r['load'],r['repeat']):float(r['p99_us']) for r in rows if r['config']=='stock'}
    res=collections.defaultdict(list)
    for r in rows:
        if r['config'] in ('ours adaptive','ref adaptive','host-only adaptive','ref-host-only adaptive','guest-only adaptive','ref-guest-only adaptive') and r['load'] in ('1%','10%','50%'):
            b=stock[(r['load'],r['repeat'])]+float(r['sink_latency_us'] or 0)+float(r['sink_sleep_cost_us'] or 0)
            res[(r['load'],r['config'])].append('%s%.0f/%.0f'%('' if float(r['p99_us'])<=b else '!',float(r['p99_us']),b))
    print(d.rstrip('/').split('/')[-1], dict(res))
