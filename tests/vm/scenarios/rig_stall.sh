# The rig's own stall handling: a guest whose kernel stalls is booted once
# more, and only the second attempt counts. The first attempt writes the line
# a stalled kernel prints, then has the host pause every vCPU, so that the
# guest can no longer end the scenario itself; the host-side limit runs out,
# the rig finds the line on the console and boots again. The second attempt
# passes. If the rig did not retry, or retried more than once, this fails.
#@ group: rig_stall
#@ nics: 0
#@ timeout: 5

attempt=$(sed -n 's/.*\brig\.attempt=\([0-9]*\).*/\1/p' /proc/cmdline)
case $attempt in
1)
    echo "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks: (written by rig_stall)" \
        >/dev/kmsg
    host freeze
    fail "the guest ran on after 'host freeze'"
    ;;
2) log "second attempt: the rig booted the stalled guest once more" ;;
*) fail "rig.attempt is '$attempt' in /proc/cmdline; the rig boots at most twice" ;;
esac
