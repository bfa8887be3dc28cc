import re, collections, sys
root = sys.argv[1]
txt=open('/tmp/ab/prof12/samples.txt').read()
evs=txt.split('jdk.ExecutionSample {')[1:]
c=collections.Counter(); n=0
for e in evs:
    frames=[re.sub(r'\(.*','',f) for f in re.findall(r'^\s+([\w.$<>]+\(.*?\))\s+line:',e,re.M)]
    if root not in frames: continue
    n+=1
    i=frames.index(root)
    # the callee chain under root, depth 1..3
    c[" < ".join(frames[max(0,i-int(sys.argv[2] if len(sys.argv)>2 else 1)):i])]+=1
print(n)
for k,v in c.most_common(25): print(v, k[:250])
