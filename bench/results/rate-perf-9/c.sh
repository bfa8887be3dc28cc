#!/bin/bash
cd /tmp/ab
G=/work/main/guests/target/guests
./kvm-loop -m 8 -T -n 10 $G/exit42.elf > /dev/null
strace -f -c -o /tmp/ab/strace.txt ./kvm-loop -m 8 -n 20 $G/exit42.elf > /dev/null 2>&1
strace -T -o /tmp/ab/strace-T.txt ./kvm-loop -m 8 -n 3 $G/exit42.elf > /dev/null 2>&1
