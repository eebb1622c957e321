import threading

hits = 0


def work():
    global hits
    label = "ünïcode → 😀"; hits += 1


threading.Thread(target=work).start()
