.PHONY: run test lint bench bench-send-time bench-website concurrency compat wheel bootstrap-check pot upgrade-check crash-restart multiprocess bench-delivery

run:
	@bash tools/run.sh

test:
	@bash tools/test.sh

lint:
	@bash tools/lint.sh

bench:
	@bash tools/bench.sh

bench-website:
	@bash tools/bench_website.sh

bench-send-time:
	@$${PYTHON:-python3} bench/bench_send_time.py --contacts $${BENCH_CONTACTS:-100000}

concurrency:
	@bash tools/concurrency.sh

compat:
	@bash tools/compat.sh

wheel:
	@bash tools/wheel.sh

bootstrap-check:
	@bash tools/bootstrap_check.sh

pot:
	@bash tools/i18n.sh

upgrade-check:
	@bash tools/upgrade_check.sh

crash-restart:
	@bash tools/crash_restart.sh

multiprocess:
	@bash tools/multiprocess.sh

bench-delivery:
	@bash tools/bench_delivery.sh
