import re,statistics as st,sys
sec=None; d={}; order=[]
for l in open(sys.argv[1]):
    if l.startswith('=='): sec=l.split()[1]; continue
    if re.match(r'^\d ',l):
        p=l.split()
        if len(p)<5: continue
        r,v,n,ms,tsc=p[:5]
        if v not in order: order.append(v)
        d.setdefault((sec,v,int(n)),[]).append((int(ms),int(tsc[4:],16)))
for sec in ('out','in','mw','mr','hc'):
  for v in order:
    if (sec,v,50000) not in d or (sec,v,150000) not in d: continue
    a_,b_=d[(sec,v,50000)],d[(sec,v,150000)]
    slopes=[(b[0]-a[0])*1000/100000 for a,b in zip(a_,b_)]
    tscs=[b[1]/2096002*1000/150000 for b in b_]
    print(sec,v,'slope',[round(x,1) for x in slopes],'med',round(st.median(slopes),1),'| tsc/exit',[round(x,1) for x in tscs],'med',round(st.median(tscs),1))
