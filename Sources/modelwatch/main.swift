print("modelwatch")
