from passeport.cli import main

main()
