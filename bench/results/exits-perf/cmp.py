import re,subprocess
def load(f,total):
    d={}
    for l in open(f):
        m=re.match(r'\s+([\d.]+)%\s+(\S.*?)\s{2,}(\S.*?)\s+\[(.)\]\s+(.*)',l)
        if not m: continue
        pct,comm,dso,k,sym=m.groups()
        if comm.startswith('VM[1]') or comm=='kvm-loop':
            d[sym.strip()]=d.get(sym.strip(),0)+float(pct)*total/100
    return d
def total(f):
    o=subprocess.run(['perf','report','-i',f,'--stdio','-g','none','--sort','comm'],capture_output=True,text=True).stdout
    m=re.search(r'Event count \(approx.\): (\d+)',o); return int(m.group(1))/1e6
tr,tc=total('perf-res.data'),total('perf-c.data')
r=load('perf-res-sym.txt',tr); c=load('perf-c-sym.txt',tc)
print('vcpu thread total ms (listed syms)',round(sum(r.values())),round(sum(c.values())))
keys=set(r)|set(c)
rows=sorted(keys,key=lambda k:-(r.get(k,0)-c.get(k,0)))
for k in rows[:25]: print(f"{r.get(k,0):7.0f} {c.get(k,0):7.0f} {r.get(k,0)-c.get(k,0):+7.0f}  {k[:90]}")
