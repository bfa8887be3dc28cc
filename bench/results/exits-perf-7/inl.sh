#!/bin/bash
# The resident's JIT inlining decisions for the exit path (PrintInlining), after warm runs of one kind.
cd /tmp/ab
JAVA_TOOL_OPTIONS="-XX:+UnlockDiagnosticVMOptions -XX:+PrintCompilation -XX:+PrintInlining" /work/main/javisor resident > /tmp/ab/inl.log 2>&1 &
rp=$!
for i in $(seq 200); do [ -f /work/main/javisor-vmm/target/resident ] && break; sleep 0.5; done
for kind in ${KINDS:-out}; do
for w in 1 2 3 4; do JAVISOR_RESIDENT=required /work/main/javisor run /tmp/ab/$kind-150000.toml >/dev/null 2>&1; done
done
kill $rp; wait $rp
