#!/usr/bin/env python3
"""Per repeat, naps to the ring's room (ours) against naps to its half
(ref): the consumer's CPU, p99, sleeps and notification wake-ups in 2 s,
how often the generator found the ring full, and at saturation adaptive
against poll of the same build. Usage: show.py [DIR] (default: beside)."""
import csv
import glob
import os
import sys

here = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(__file__)
for f in sorted(glob.glob(os.path.join(here, '*', '*', 'runs.csv'))):
    sweep = f.split(os.sep)[-3]
    rows = list(csv.DictReader(open(f)))
    h2g = sweep.endswith('h2g')
    side = 'guest' if h2g else 'host'
    print(f'## {sweep}')
    print('| load | build | CPU % | p99 us | sleeps | notified | '
          'gen full % | lost/reord/dup |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- |')
    loads = []
    for r in rows:
        if r['load'] not in loads:
            loads.append(r['load'])
    for load in loads:
        if load == 'sat':
            continue
        for b in ('ours', 'ref'):
            rs = [r for r in rows
                  if r['load'] == load and r['config'] == b + ' adaptive']
            if not rs:
                continue
            def col(k, fmt):
                return ', '.join(fmt % float(r[k]) if r[k] != '' else '-'
                                 for r in rs)
            bad = max(int(r['lost']) + int(r['reordered']) +
                      int(r['duplicates']) for r in rs)
            print(f"| {load} | {b} | {col(side + '_cpu', '%.1f')} | "
                  f"{col('p99_us', '%.0f') if load != 'idle' else '-'} | "
                  f"{col(side + '_sleeps', '%.0f')} | "
                  f"{col(side + '_wakeups', '%.0f')} | "
                  f"{col('gen_full_pct', '%.1f')} | {bad} |")
    sat = [r for r in rows if r['load'] == 'sat']
    for b in ('ours', 'ref'):
        a = {r['repeat']: float(r['mpps']) for r in sat
             if r['config'] == b + ' adaptive'}
        p = {r['repeat']: float(r['mpps']) for r in sat
             if r['config'] == b + ' poll'}
        if a and p:
            print(f"\nsaturation, {b}: adaptive / poll per repeat " +
                  ', '.join('%.3f' % (a[k] / p[k]) for k in sorted(a)) +
                  ' (Mpps ' + ', '.join('%.2f' % a[k] for k in sorted(a)) +
                  ')')
    print()
