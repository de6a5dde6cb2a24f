# Consumer CPU per sleep of the adaptive configs of one sweep: python3 per_sleep.py DIR
import csv,glob,sys,statistics
d=sys.argv[1]
f=glob.glob(d+'/**/runs.csv',recursive=True)[0]
meta=open(f.replace('runs.csv','table.md')).read()
rev='--reverse' in meta
cpu='guest_cpu' if rev else 'host_cpu'
sl='guest_sleeps' if rev else 'host_sleeps'
rows=list(csv.DictReader(open(f)))
dur=2.0
print("config load: consumer CPU us per sleep (CPU x 2 s / sleeps, less nothing), sleeps, kicks per M, D/D99 (medians)")
for c in dict.fromkeys(r['config'] for r in rows):
  if 'adaptive' not in c: continue
  for l in ['1%','10%','50%']:
    rs=[r for r in rows if r['config']==c and r['load']==l and r[sl] not in ('','0')]
    if not rs: continue
    per=[float(r[cpu])/100*dur*1e6/float(r[sl]) for r in rs]
    print("%-30s %4s  %5.1f us/sleep  sleeps %6.0f  kicks/M %8.1f  D %4.0f D99 %4.0f"%(c,l,statistics.median(per),statistics.median(float(r[sl]) for r in rs),statistics.median(float(r['kicks_per_mpkt'] or 0) for r in rs),statistics.median(float(r['sink_wake_late_us'] or 0) for r in rs),statistics.median(float(r['sink_wake_late99_us'] or 0) for r in rs)))
