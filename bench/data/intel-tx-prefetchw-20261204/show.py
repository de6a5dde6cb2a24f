#!/usr/bin/env python3
# Per repeat, new / old (ours / ref) and each against stock, for each sweep
# directory given (default: those beside this file).
import csv,glob,sys,statistics as st
import os
HERE = os.path.dirname(os.path.abspath(__file__))
for d in sys.argv[1:] or sorted(glob.glob(os.path.join(HERE, "*-*huge"))):
    f=glob.glob(d+"/runs.csv") or glob.glob(d+"/*/runs.csv")
    rows=list(csv.DictReader(open(f[0])))
    modes=sorted(set(r["config"].split(" ",1)[1] for r in rows if r["config"].startswith("ours ")))
    for m in modes:
        rs=[];so=[];sr=[]
        for rep in sorted(set(r["repeat"] for r in rows)):
            g=lambda c:[float(r["mpps"]) for r in rows if r["config"]==c and r["repeat"]==rep]
            a,b,s=g("ours "+m),g("ref "+m),g("stock")
            if a and b: rs.append(a[0]/b[0])
            if a and s: so.append(a[0]/s[0])
            if b and s: sr.append(b[0]/s[0])
        print("%s %-9s new/old %.3f [%.3f-%.3f]  new/stock %.2f [%.2f-%.2f]  old/stock %.2f [%.2f-%.2f]" % (os.path.relpath(d, HERE), m, st.median(rs), min(rs), max(rs), st.median(so), min(so), max(so), st.median(sr), min(sr), max(sr)))
    print(" lost+reord+dup", sum(int(r["lost"])+int(r["reordered"])+int(r["duplicates"]) for r in rows), "runs", len(rows), "stock Mpps median", round(st.median(float(r["mpps"]) for r in rows if r["config"]=="stock"),2))
