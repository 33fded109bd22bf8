#!/usr/bin/env bats
# slurm.bats - the README's Slurm job array, submitted for real: a private
# one-node Slurm (slurmctld and slurmd from Debian's slurm-wlm, on
# loopback, authentication "none", state in the test's directory) runs
# `sbatch --wait` of the script the README prints, each task a shard of
# one list.  Checks the whole list byte-exact, the summaries merged with
# the README's jq line, that sbatch --wait passes a task's exit status 16
# on, and that resubmitting the whole array (the README's retry loop)
# finishes the list without fetching any complete file again.

load helpers
source "$BATS_TEST_DIRNAME/lib/shards.bash"

# slurm_start DIR: a one-node cluster on two free loopback ports; exports
# SLURM_CONF.  The node says it has 4 CPUs whatever the machine has
# (config_overrides), so the four tasks of the array run at once.  The
# daemons fork into the background and write pid files; fd 3 (bats') is
# closed for them so that bats does not wait on them.
slurm_start() {
	local dir=$1 i port host
	host=$(hostname -s)
	mkdir -p "$dir/state" "$dir/spool"
	export SLURM_CONF=$dir/slurm.conf
	for ((i = 0; i < 10; i++)); do
		port=$((20000 + RANDOM % 30000))
		cat >"$SLURM_CONF" <<-CONF
			ClusterName=haul
			SlurmctldHost=$host(127.0.0.1)
			SlurmctldPort=$port
			SlurmdPort=$((port + 1))
			AuthType=auth/none
			CredType=cred/none
			SlurmUser=$(id -un)
			SlurmdUser=$(id -un)
			StateSaveLocation=$dir/state
			SlurmdSpoolDir=$dir/spool
			SlurmctldPidFile=$dir/slurmctld.pid
			SlurmdPidFile=$dir/slurmd.pid
			SlurmctldLogFile=$dir/slurmctld.log
			SlurmdLogFile=$dir/slurmd.log
			ProctrackType=proctrack/pgid
			TaskPlugin=task/none
			SelectType=select/cons_tres
			SelectTypeParameters=CR_CPU
			SchedulerType=sched/builtin
			ReturnToService=2
			MpiDefault=none
			JobCompType=jobcomp/none
			JobAcctGatherType=jobacct_gather/none
			SwitchType=switch/none
			SlurmdParameters=config_overrides
			NodeName=haulnode NodeAddr=127.0.0.1 CPUs=4 State=UNKNOWN
			PartitionName=haul Nodes=haulnode Default=YES MaxTime=INFINITE State=UP
		CONF
		rm -f "$dir"/*.pid
		slurmctld -i 3>&- || continue
		slurmd -N haulnode 3>&- || { slurm_stop; continue; }
		# Up when the node has registered and is idle; a port taken
		# shows as a daemon that died, the one case worth another try.
		if wait_until '[ "$(sinfo -h -o %T 2>/dev/null)" = idle ]' 20; then
			return 0
		fi
		if ! grep -q 'Address already in use' "$dir"/*.log 2>/dev/null; then
			break
		fi
		slurm_stop
		rm -f "$dir"/*.log
	done
	echo "slurm_start: no one-node cluster came up; logs:" >&2
	cat "$dir"/*.log >&2
	slurm_stop
	return 1
}

slurm_stop() {
	local f pid
	[ -n "${SLURM_CONF:-}" ] || return 0
	for f in "${SLURM_CONF%/*}"/slurmd.pid "${SLURM_CONF%/*}"/slurmctld.pid; do
		[ -s "$f" ] || continue
		pid=$(cat "$f")
		kill -TERM "$pid" 2>/dev/null || continue
		wait_until "! kill -0 $pid 2>/dev/null" 10 || kill -KILL "$pid" 2>/dev/null || true
	done
}

setup_file() {
	testsrv_start "$BATS_FILE_TMPDIR"
	slurm_start "$BATS_FILE_TMPDIR/slurm"
}

teardown_file() {
	slurm_stop
	testsrv_stop
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	# What the tasks printed, when a test failed.
	cat slurm-*.out 2>/dev/null >&2 || true
}

@test "Slurm: sbatch --wait of the README's job array on a one-node cluster: every line byte-exact, the four summaries merge" {
	readme_block "^A Slurm job array" >job.sh
	grep -q '^#SBATCH --array=0-3$' job.sh
	make_list /slurm/a 12 >list.txt
	run -0 sbatch --wait -o 'slurm-%a.out' job.sh
	assert_output --regexp '^Submitted batch job [0-9]+$'
	check_files 12
	run -0 jq -c -s "$MERGE | [(.transfers | length), .totals.succeeded, .exit_codes]" summary-0.json summary-1.json summary-2.json summary-3.json
	assert_output '[12,12,[0,0,0,0]]'
	# Each line fetched once, by one task.
	for ((i = 1; i <= 12; i++)); do
		assert_equal "$(testsrv_count "/slurm/a/f$i")" 1
	done
}

@test "Slurm: a task that ends 16 makes sbatch --wait end 16; the README's loop resubmits the array, which finishes the list and fetches no complete file again" {
	# The README's script with --retry 0, so that one 503 fails its task.
	readme_block "^A Slurm job array" | sed 's/exec haul -q --no-clobber/& --retry 0/' >job.sh
	grep -q -- '--retry 0' job.sh
	make_list /slurm/b 12 >list.txt
	sed -i "s|/slurm/b/f5?\([^ ]*\)|/slurm/b/f5?\1\&status=503\&status_n=1|" list.txt
	grep -q 'status_n=1 f5.bin' list.txt
	run -16 sbatch --wait -o 'slurm-%a.out' job.sh
	assert_file_not_exists f5.bin
	# The loop as the README writes it (without its pause).
	readme_block "^Resubmit the array" | sed 's/sleep [0-9]*; //' >retry.sh
	grep -q 'sbatch --wait job.sh' retry.sh
	run -0 sh retry.sh
	check_files 12
	# The 503 and the retry for f5; every other file once: the array's
	# second round found them complete and left them alone.
	assert_equal "$(testsrv_count /slurm/b/f5)" 2
	for i in 1 2 3 4 6 7 8 9 10 11 12; do
		assert_equal "$(testsrv_count "/slurm/b/f$i")" 1
	done
}
