import csv,statistics as st,sys
rows=list(csv.DictReader(open(sys.argv[1])))
d={}
for r in rows: d[(int(r['round']),r['frontend'],r['metric'])]=float(r['mpps'])
n=max(k[0] for k in d)+1
for m in ('io','g2h','h2g'):
    rat=sorted(d[(k,'virtio_spin',m)]/d[(k,'virtio_user',m)] for k in range(n))
    q=lambda f: rat[int(f*(len(rat)-1))]
    print(m, 'q1 %.3f med %.3f q3 %.3f min %.3f max %.3f'%(q(.25),st.median(rat),q(.75),rat[0],rat[-1]))
    print('  user', [round(d[(k,'virtio_user',m)],1) for k in range(n)])
    print('  spin', [round(d[(k,'virtio_spin',m)],1) for k in range(n)])
