import re, collections, sys
txt=open(sys.argv[1]).read()
evs=txt.split('jdk.ObjectAllocationSample {')[1:]
c=collections.Counter()
for e in evs:
    if 'VCpu[' not in e: continue
    cls=re.search(r'objectClass = (\S+)',e).group(1)
    m=re.search(r'weight = ([\d.,]+) (bytes|kB|MB)',e)
    v=float(m.group(1).replace(',','')); v*= {'bytes':1,'kB':1024,'MB':1<<20}[m.group(2)]
    frames=[re.sub(r'\(.*','',f) for f in re.findall(r'^\s+([\w.$<>]+\(.*?\))\s+line:',e,re.M)]
    c[(cls," < ".join(frames[:3]))]+=v
tot=sum(c.values())
print(f"total weight {tot/1e6:.1f} MB")
for (cls,fr),v in c.most_common(14): print(f"{v*100/tot:5.1f}% {cls} {fr[:220]}")
