.PHONY: run test lint bench concurrency compat wheel bootstrap-check pot

run:
	@bash tools/run.sh

test:
	@bash tools/test.sh

lint:
	@bash tools/lint.sh

bench:
	@bash tools/bench.sh

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
