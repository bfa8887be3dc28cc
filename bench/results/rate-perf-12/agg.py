import re, collections, sys
txt=open('/tmp/ab/prof12/samples.txt').read()
evs=txt.split('jdk.ExecutionSample {')[1:]
top=collections.Counter(); incl=collections.Counter(); thr=collections.Counter(); topj=collections.Counter()
for e in evs:
    m=re.search(r'sampledThread = "([^"]*)"',e); thr[re.sub(r'\d+','N',m.group(1)) if m else '?']+=1
    frames=re.findall(r'^\s+([\w.$<>]+\(.*?\))\s+line:',e,re.M)
    if not frames: continue
    top[re.sub(r'\(.*','',frames[0])]+=1
    for f in frames:
        if 'javisor' in f or 'InProcess' in f:
            topj[re.sub(r'\(.*','',f)]+=1; break
    seen=set()
    for f in frames:
        k=re.sub(r'\(.*','',f)
        if k not in seen: incl[k]+=1; seen.add(k)
n=len(evs)
print(n, thr.most_common(8))
print("--- top self")
for k,v in top.most_common(30): print(f"{v*100/n:5.1f}% {k[:150]}")
print("--- first javisor frame")
for k,v in topj.most_common(30): print(f"{v*100/n:5.1f}% {k[:150]}")
print("--- inclusive (javisor)")
for k,v in [x for x in incl.most_common(600) if 'javisor' in x[0] or 'InProcess' in x[0]][:60]: print(f"{v*100/n:5.1f}% {k[:150]}")
