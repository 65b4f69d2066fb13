.PHONY: run test lint bench lifecycle

run:
	@bash tools/run.sh

test:
	@bash tools/test.sh

lint:
	@bash tools/lint.sh

bench:
	@bash tools/bench.sh
