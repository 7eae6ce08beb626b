from lmsdb.cli.app import main

main()
