from arxref.cli import run

run()
