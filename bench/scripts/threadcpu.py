#!/usr/bin/env python3
"""Per-thread CPU of a process over an interval: threadcpu.py PID SECONDS -> ticks (1/100 s) user/sys by thread name."""
import os, re, sys, time, collections
pid, secs = sys.argv[1], float(sys.argv[2])
def snap():
    out = {}
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            s = open(f"/proc/{pid}/task/{t}/stat").read()
        except OSError:
            continue
        name = s[s.index('(')+1:s.rindex(')')]
        f = s[s.rindex(')')+2:].split()
        out[t] = (name, int(f[11]), int(f[12]))
    return out
a = snap(); time.sleep(secs); b = snap()
agg = collections.defaultdict(lambda: [0, 0, 0])
for t, (name, u, s) in b.items():
    u0, s0 = (a[t][1], a[t][2]) if t in a else (0, 0)
    key = re.sub(r'\d+', '#', name)
    agg[key][0] += u - u0; agg[key][1] += s - s0; agg[key][2] += 1
tot = sum(v[0] + v[1] for v in agg.values())
print(f"total {tot} ticks in {secs:.0f} s = {tot/secs:.1f}% of a core")
for k, (u, s, n) in sorted(agg.items(), key=lambda kv: -(kv[1][0] + kv[1][1]))[:25]:
    if u + s:
        print(f"{k:40s} threads {n:3d} user {u:5d} sys {s:5d}")
