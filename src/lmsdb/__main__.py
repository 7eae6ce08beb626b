from lmsdb.cli import main

main()
