import java.util.concurrent.Executors;

class Pool {
  Object pool() {
    return Executors.newFixedThreadPool(10, Thread.ofVirtual().factory());
  }
}
