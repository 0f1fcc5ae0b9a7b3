from arxref.cli import main

main()
