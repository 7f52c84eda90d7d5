print("e2e")
