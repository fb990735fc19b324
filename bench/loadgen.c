/*
 * loadgen: the TCP echo load generator of bench/echo.ts.
 *
 * A small C client in its own process, so that the cost of generating load is not charged to the
 * Node server under test. It checks every byte the server echoes. bench/echo.ts compiles it on
 * first use (cc -O2 -o .build/bench/loadgen bench/loadgen.c) and runs it pinned to its own core.
 *
 *   loadgen ping HOST PORTS CONNS SIZE WARMUP_S SLICE_S SLICES TIMEOUT_S
 *       CONNS connections to each server, each sending a SIZE-byte message and waiting for the
 *       whole echo before sending the next. Each server first gets WARMUP_S seconds unmeasured,
 *       then SLICES slices of SLICE_S seconds, taking turns with the others (see "Servers").
 *       Prints "ping port=P ... msgs_per_s=R" for each server.
 *   loadgen bulk HOST PORTS WARMUP_BYTES SLICE_BYTES SLICES CHUNK TIMEOUT_S
 *       One connection to each server; each slice streams SLICE_BYTES through it (CHUNK-byte
 *       writes, reading the echo concurrently), the servers taking turns. Prints
 *       "bulk port=P ... mb_per_s=R" for each server (MB = 10^6 bytes).
 *   loadgen idle HOST PORT COUNT TIMEOUT_S
 *       Opens COUNT connections (at most 64 connecting at once), echoes one byte over each to be
 *       sure the server has accepted it, then prints "ready conns=N ..." and keeps them open and
 *       idle until a line (or EOF) arrives on stdin; then closes them and prints "closed".
 *
 * Every loop is bounded: TIMEOUT_S is a hard limit on the whole process (SIGALRM), and each mode
 * fails if the server makes no progress for STALL_S seconds. Exit status: 0 on success, 1 on an
 * error or a wrong byte, 2 on bad usage, 3 on the hard timeout.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define STALL_S 10.0
#define MAX_EVENTS 256
/* Bulk pattern: byte i of the stream is i % PATTERN_PERIOD (a prime, so it never lines up with
 * power-of-two chunk sizes: a dropped, repeated or reordered chunk is caught). */
#define PATTERN_PERIOD 251

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("loadgen: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static void on_alarm(int sig) {
  (void)sig;
  static const char msg[] = "loadgen: hard timeout reached, giving up\n";
  ssize_t ignored = write(2, msg, sizeof msg - 1);
  (void)ignored;
  _exit(3);
}

static void usage(void) {
  fputs("usage: loadgen ping HOST PORT[,PORT...] CONNS SIZE WARMUP_S SLICE_S SLICES TIMEOUT_S\n"
        "       loadgen bulk HOST PORT[,PORT...] WARMUP_BYTES SLICE_BYTES SLICES CHUNK TIMEOUT_S\n"
        "       loadgen idle HOST PORT COUNT TIMEOUT_S\n",
        stderr);
  exit(2);
}

static long long arg_int(const char *s, long long min, long long max, const char *what) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno != 0 || *end != '\0' || v < min || v > max) {
    fprintf(stderr, "loadgen: bad %s: %s\n", what, s);
    usage();
  }
  return v;
}

static double arg_double(const char *s, double min, double max, const char *what) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno != 0 || *end != '\0' || !(v >= min && v <= max)) {
    fprintf(stderr, "loadgen: bad %s: %s\n", what, s);
    usage();
  }
  return v;
}

static void start_hard_timeout(double seconds) {
  signal(SIGALRM, on_alarm);
  alarm((unsigned)(seconds + 0.999));
}

static struct sockaddr_in server_addr(const char *host, int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &a.sin_addr) != 1) die("not an IPv4 address: %s", host);
  return a;
}

static void set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL, 0);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
    die("fcntl O_NONBLOCK: %s", strerror(errno));
}

static void set_nodelay(int fd) {
  int one = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
    die("TCP_NODELAY: %s", strerror(errno));
}

/* A connected socket (blocking connect), then non-blocking, with TCP_NODELAY. */
static int connect_blocking(const struct sockaddr_in *addr) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket: %s", strerror(errno));
  set_nodelay(fd);
  if (connect(fd, (const struct sockaddr *)addr, sizeof *addr) != 0)
    die("connect: %s", strerror(errno));
  set_nonblocking(fd);
  return fd;
}

static void ep_ctl(int ep, int op, int fd, uint32_t events, uint64_t data) {
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = events;
  ev.data.u64 = data;
  if (epoll_ctl(ep, op, fd, &ev) != 0) die("epoll_ctl: %s", strerror(errno));
}

/* ---------------------------------------------------------------------------------------------
 * Servers: ping and bulk take a comma-separated list of ports, one server each, and give each
 * server the same work in alternating time slices (order A B, B A, A B, ... for two servers), so
 * that a burst of other work on the machine hits every server alike. Each server's figures are
 * summed over its own slices only.
 */

#define MAX_TARGETS 8

static int parse_ports(const char *list, int *ports) {
  int n = 0;
  const char *p = list;
  while (*p != '\0') {
    if (n == MAX_TARGETS) die("at most %d ports", MAX_TARGETS);
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p || v < 1 || v > 65535 || (*end != ',' && *end != '\0')) {
      fprintf(stderr, "loadgen: bad port list: %s\n", list);
      usage();
    }
    ports[n++] = (int)v;
    p = *end == ',' ? end + 1 : end;
  }
  if (n == 0) usage();
  return n;
}

/* Which target runs `k`-th in slice `slice`: forward in even slices, backward in odd ones. */
static int slice_target(int slice, int k, int ntargets) {
  return slice % 2 == 0 ? k : ntargets - 1 - k;
}

/* ---------------------------------------------------------------------------------------------
 * ping: CONNS connections per server, one SIZE-byte message in flight on each.
 */

struct pconn {
  int fd;
  uint32_t id;
  uint32_t seq;
  size_t sent; /* bytes of the current message written */
  size_t got;  /* bytes of its echo read */
  int busy;    /* a message is in flight */
  unsigned char *out;
  unsigned char *in;
};

struct ptarget {
  int port;
  int ep;
  struct pconn *conns;
  unsigned long long measured; /* messages echoed within measured slices */
  unsigned long long total;    /* every message echoed, warm-up included */
  double seconds;              /* length of the measured slices */
};

/* The content of message `seq` on connection `id`: differs between messages and connections, so
 * an echo delivered on the wrong connection, or a stale or repeated one, does not verify. */
static void fill_message(unsigned char *buf, size_t size, uint32_t id, uint32_t seq) {
  uint32_t x = (id * 2654435761u) ^ (seq * 2246822519u) ^ 0x9e3779b9u;
  for (size_t i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    buf[i] = (unsigned char)x;
  }
}

/* Writes what is left of the current message; returns 1 if it is all written. */
static int ping_flush(struct pconn *c, size_t size) {
  while (c->sent < size) {
    ssize_t n = write(c->fd, c->out + c->sent, size - c->sent);
    if (n > 0) {
      c->sent += (size_t)n;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return 0;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      die("ping: write on connection %u: %s", c->id, n < 0 ? strerror(errno) : "wrote 0");
    }
  }
  return 1;
}

static void ping_send(int ep, struct pconn *c, size_t size) {
  c->seq++;
  fill_message(c->out, size, c->id, c->seq);
  c->sent = 0;
  c->got = 0;
  c->busy = 1;
  if (!ping_flush(c, size)) ep_ctl(ep, EPOLL_CTL_MOD, c->fd, EPOLLIN | EPOLLOUT, c->id);
}

/* Fails if any connection of `t` has something to read: the server sent more than was asked, or
 * closed the connection. */
static void ping_check_quiet(const struct ptarget *t, int nconns) {
  for (int i = 0; i < nconns; i++) {
    unsigned char extra;
    ssize_t r = read(t->conns[i].fd, &extra, 1);
    if (r > 0) die("ping: port %d connection %d: server sent unrequested bytes", t->port, i);
    if (r == 0) die("ping: port %d connection %d closed by the server", t->port, i);
  }
}

/* One slice: every connection of `t` ping-pongs for `seconds`, then the messages in flight are
 * drained. Returns the messages whose echo completed within the slice. */
static unsigned long long ping_slice(struct ptarget *t, int nconns, size_t size, double seconds) {
  double t0 = now();
  double slice_end = t0 + seconds;
  double last_progress = t0;
  unsigned long long within = 0;
  int in_flight = 0;
  for (int i = 0; i < nconns; i++) {
    ping_send(t->ep, &t->conns[i], size);
    in_flight++;
  }
  struct epoll_event events[MAX_EVENTS];
  while (in_flight > 0) {
    int n = epoll_wait(t->ep, events, MAX_EVENTS, 100);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait: %s", strerror(errno));
    }
    double t1 = now();
    if (t1 - last_progress > STALL_S)
      die("ping: port %d: no echo for %.0f s (%d messages in flight)", t->port, STALL_S, in_flight);
    for (int e = 0; e < n; e++) {
      struct pconn *c = &t->conns[events[e].data.u64];
      if ((events[e].events & EPOLLOUT) && c->busy && c->sent < size) {
        if (ping_flush(c, size)) ep_ctl(t->ep, EPOLL_CTL_MOD, c->fd, EPOLLIN, c->id);
      }
      if (!(events[e].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) continue;
      while (c->busy) {
        ssize_t r = read(c->fd, c->in + c->got, size - c->got);
        if (r == 0) die("ping: port %d connection %u closed by the server", t->port, c->id);
        if (r < 0) {
          if (errno == EAGAIN || errno == EWOULDBLOCK) break;
          if (errno == EINTR) continue;
          die("ping: read on port %d connection %u: %s", t->port, c->id, strerror(errno));
        }
        c->got += (size_t)r;
        last_progress = t1;
        if (c->got < size) continue;
        if (memcmp(c->in, c->out, size) != 0)
          die("ping: port %d connection %u message %u: echoed bytes differ", t->port, c->id,
              c->seq);
        t->total++;
        c->busy = 0;
        in_flight--;
        if (now() < slice_end) {
          within++;
          ping_send(t->ep, c, size);
          in_flight++;
        }
      }
    }
  }
  ping_check_quiet(t, nconns);
  return within;
}

static int run_ping(int argc, char **argv) {
  if (argc != 10) usage();
  const char *host = argv[2];
  int ports[MAX_TARGETS];
  int ntargets = parse_ports(argv[3], ports);
  int nconns = (int)arg_int(argv[4], 1, 10000, "connection count");
  size_t size = (size_t)arg_int(argv[5], 1, 1 << 20, "message size");
  double warmup = arg_double(argv[6], 0, 3600, "warm-up seconds");
  double slice = arg_double(argv[7], 0.01, 3600, "slice seconds");
  int slices = (int)arg_int(argv[8], 1, 100000, "slice count");
  double timeout = arg_double(argv[9], 1, 7200, "timeout");
  if (timeout < ntargets * (warmup + slice * slices) + 1)
    die("timeout must exceed the warm-ups and slices of every server");
  start_hard_timeout(timeout);

  struct sockaddr_in addr = server_addr(host, ports[0]);
  struct ptarget targets[MAX_TARGETS];
  for (int k = 0; k < ntargets; k++) {
    struct ptarget *t = &targets[k];
    memset(t, 0, sizeof *t);
    t->port = ports[k];
    addr.sin_port = htons((uint16_t)ports[k]);
    t->conns = calloc((size_t)nconns, sizeof *t->conns);
    unsigned char *bufs = malloc((size_t)nconns * size * 2);
    if (t->conns == NULL || bufs == NULL) die("out of memory");
    t->ep = epoll_create1(0);
    if (t->ep < 0) die("epoll_create1: %s", strerror(errno));
    for (int i = 0; i < nconns; i++) {
      struct pconn *c = &t->conns[i];
      c->id = (uint32_t)i;
      c->out = bufs + (size_t)i * size * 2;
      c->in = c->out + size;
      c->fd = connect_blocking(&addr);
      ep_ctl(t->ep, EPOLL_CTL_ADD, c->fd, EPOLLIN, c->id);
    }
  }
  for (int k = 0; k < ntargets; k++) {
    if (warmup > 0) ping_slice(&targets[k], nconns, size, warmup);
  }
  for (int s = 0; s < slices; s++) {
    for (int k = 0; k < ntargets; k++) {
      struct ptarget *t = &targets[slice_target(s, k, ntargets)];
      t->measured += ping_slice(t, nconns, size, slice);
      t->seconds += slice;
    }
  }
  for (int k = 0; k < ntargets; k++) {
    struct ptarget *t = &targets[k];
    for (int i = 0; i < nconns; i++) close(t->conns[i].fd);
    printf("ping port=%d conns=%d size=%zu seconds=%.3f msgs=%llu total_msgs=%llu "
           "verified_bytes=%llu msgs_per_s=%.1f\n",
           t->port, nconns, size, t->seconds, t->measured, t->total,
           t->total * (unsigned long long)size, (double)t->measured / t->seconds);
  }
  return 0;
}

/* ---------------------------------------------------------------------------------------------
 * bulk: one connection per server; in each slice, SLICE_BYTES streamed out and verified on the
 * way back. Byte i of a connection's stream is i % PATTERN_PERIOD.
 */

struct btarget {
  int port;
  int fd;
  int ep;
  unsigned long long sent, got; /* over the connection's life */
  unsigned long long measured_bytes;
  double seconds;
};

static unsigned char *bulk_pattern;
static unsigned char *bulk_readbuf;
static size_t bulk_readbuf_size = 256 * 1024;

/* Streams `bytes` more through `t`, writing in `chunk`-byte writes while reading concurrently;
 * returns the time it took. */
static double bulk_slice(struct btarget *t, unsigned long long bytes, size_t chunk) {
  unsigned long long send_goal = t->sent + bytes;
  unsigned long long got_goal = t->got + bytes;
  double t0 = now();
  double last_progress = t0;
  ep_ctl(t->ep, EPOLL_CTL_MOD, t->fd, EPOLLIN | EPOLLOUT, 0);
  int writing = 1;
  struct epoll_event events[4];
  while (t->got < got_goal) {
    int n = epoll_wait(t->ep, events, 4, 100);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait: %s", strerror(errno));
    }
    double t1 = now();
    if (t1 - last_progress > STALL_S) {
      die("bulk: port %d: no progress for %.0f s (sent %llu, received %llu)", t->port, STALL_S,
          t->sent, t->got);
    }
    if (n == 0) continue;
    uint32_t ev = events[0].events;
    if ((ev & EPOLLOUT) && writing) {
      for (int k = 0; k < 16 && t->sent < send_goal; k++) {
        size_t len = chunk;
        if (send_goal - t->sent < len) len = (size_t)(send_goal - t->sent);
        ssize_t w = write(t->fd, bulk_pattern + t->sent % PATTERN_PERIOD, len);
        if (w < 0) {
          if (errno == EAGAIN || errno == EWOULDBLOCK) break;
          if (errno == EINTR) continue;
          die("bulk: port %d: write: %s", t->port, strerror(errno));
        }
        t->sent += (unsigned long long)w;
        last_progress = t1;
      }
      if (t->sent == send_goal) {
        writing = 0;
        ep_ctl(t->ep, EPOLL_CTL_MOD, t->fd, EPOLLIN, 0);
      }
    }
    if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
      for (int k = 0; k < 16; k++) {
        ssize_t r = read(t->fd, bulk_readbuf, bulk_readbuf_size);
        if (r == 0) die("bulk: port %d: closed by the server after %llu bytes", t->port, t->got);
        if (r < 0) {
          if (errno == EAGAIN || errno == EWOULDBLOCK) break;
          if (errno == EINTR) continue;
          die("bulk: port %d: read: %s", t->port, strerror(errno));
        }
        if (t->got + (unsigned long long)r > t->sent)
          die("bulk: port %d: server sent bytes never written", t->port);
        if (memcmp(bulk_readbuf, bulk_pattern + t->got % PATTERN_PERIOD, (size_t)r) != 0) {
          die("bulk: port %d: echoed bytes differ in [%llu, %llu)", t->port, t->got,
              t->got + (unsigned long long)r);
        }
        t->got += (unsigned long long)r;
        last_progress = t1;
        if (t->got == got_goal) break;
      }
    }
  }
  return now() - t0;
}

static int run_bulk(int argc, char **argv) {
  if (argc != 9) usage();
  const char *host = argv[2];
  int ports[MAX_TARGETS];
  int ntargets = parse_ports(argv[3], ports);
  unsigned long long warmup =
      (unsigned long long)arg_int(argv[4], 0, 1LL << 40, "warm-up byte count");
  unsigned long long slice_bytes =
      (unsigned long long)arg_int(argv[5], 1, 1LL << 40, "slice byte count");
  int slices = (int)arg_int(argv[6], 1, 100000, "slice count");
  size_t chunk = (size_t)arg_int(argv[7], 1, 16 << 20, "chunk size");
  double timeout = arg_double(argv[8], 1, 7200, "timeout");
  start_hard_timeout(timeout);

  /* pattern[i] = i % PATTERN_PERIOD, long enough to start a chunk or a read at any phase. */
  size_t pattern_len = (chunk > bulk_readbuf_size ? chunk : bulk_readbuf_size) + PATTERN_PERIOD;
  bulk_pattern = malloc(pattern_len);
  bulk_readbuf = malloc(bulk_readbuf_size);
  if (bulk_pattern == NULL || bulk_readbuf == NULL) die("out of memory");
  for (size_t i = 0; i < pattern_len; i++) bulk_pattern[i] = (unsigned char)(i % PATTERN_PERIOD);

  struct sockaddr_in addr = server_addr(host, ports[0]);
  struct btarget targets[MAX_TARGETS];
  for (int k = 0; k < ntargets; k++) {
    struct btarget *t = &targets[k];
    memset(t, 0, sizeof *t);
    t->port = ports[k];
    addr.sin_port = htons((uint16_t)ports[k]);
    t->fd = connect_blocking(&addr);
    t->ep = epoll_create1(0);
    if (t->ep < 0) die("epoll_create1: %s", strerror(errno));
    ep_ctl(t->ep, EPOLL_CTL_ADD, t->fd, EPOLLIN, 0);
  }
  for (int k = 0; k < ntargets; k++) {
    if (warmup > 0) bulk_slice(&targets[k], warmup, chunk);
  }
  for (int s = 0; s < slices; s++) {
    for (int k = 0; k < ntargets; k++) {
      struct btarget *t = &targets[slice_target(s, k, ntargets)];
      t->seconds += bulk_slice(t, slice_bytes, chunk);
      t->measured_bytes += slice_bytes;
    }
  }
  for (int k = 0; k < ntargets; k++) {
    struct btarget *t = &targets[k];
    close(t->fd);
    printf("bulk port=%d bytes=%llu chunk=%zu seconds=%.3f verified_bytes=%llu mb_per_s=%.1f\n",
           t->port, t->measured_bytes, chunk, t->seconds, t->got,
           (double)t->measured_bytes / t->seconds / 1e6);
  }
  return 0;
}

/* ---------------------------------------------------------------------------------------------
 * idle: COUNT connections opened, each proven accepted by a one-byte echo, then left idle.
 */

#define IDLE_CONCURRENCY 64

struct iconn {
  int fd;
  int state; /* 0: connecting, 1: byte sent, waiting for the echo */
};

static int run_idle(int argc, char **argv) {
  if (argc != 6) usage();
  const char *host = argv[2];
  int port = (int)arg_int(argv[3], 1, 65535, "port");
  int count = (int)arg_int(argv[4], 1, 1000000, "connection count");
  double timeout = arg_double(argv[5], 1, 7200, "timeout");
  start_hard_timeout(timeout);

  struct sockaddr_in addr = server_addr(host, port);
  struct iconn *conns = calloc((size_t)count, sizeof *conns);
  if (conns == NULL) die("out of memory");
  int ep = epoll_create1(0);
  if (ep < 0) die("epoll_create1: %s", strerror(errno));

  double t0 = now();
  double last_progress = t0;
  int started = 0, ready = 0, pending = 0;
  struct epoll_event events[MAX_EVENTS];
  while (ready < count) {
    while (pending < IDLE_CONCURRENCY && started < count) {
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      if (fd < 0) die("idle: socket (connection %d): %s", started, strerror(errno));
      set_nodelay(fd);
      if (connect(fd, (const struct sockaddr *)&addr, sizeof addr) != 0 && errno != EINPROGRESS)
        die("idle: connect (connection %d): %s", started, strerror(errno));
      conns[started].fd = fd;
      conns[started].state = 0;
      ep_ctl(ep, EPOLL_CTL_ADD, fd, EPOLLOUT, (uint64_t)started);
      started++;
      pending++;
    }
    int n = epoll_wait(ep, events, MAX_EVENTS, 100);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait: %s", strerror(errno));
    }
    double t = now();
    if (t - last_progress > STALL_S) die("idle: no progress for %.0f s (%d ready)", STALL_S, ready);
    for (int e = 0; e < n; e++) {
      int i = (int)events[e].data.u64;
      struct iconn *c = &conns[i];
      if (c->state == 0) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
          die("idle: connect (connection %d): %s", i, strerror(err != 0 ? err : errno));
        unsigned char b = (unsigned char)('a' + i % 26);
        if (write(c->fd, &b, 1) != 1) die("idle: write (connection %d): %s", i, strerror(errno));
        c->state = 1;
        ep_ctl(ep, EPOLL_CTL_MOD, c->fd, EPOLLIN, (uint64_t)i);
      } else {
        unsigned char b;
        ssize_t r = read(c->fd, &b, 1);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
        if (r == 0) die("idle: connection %d closed by the server", i);
        if (r < 0) die("idle: read (connection %d): %s", i, strerror(errno));
        if (b != (unsigned char)('a' + i % 26)) die("idle: connection %d: wrong echo", i);
        ep_ctl(ep, EPOLL_CTL_DEL, c->fd, 0, 0);
        pending--;
        ready++;
        last_progress = t;
      }
    }
  }
  printf("ready conns=%d seconds=%.3f\n", count, now() - t0);
  fflush(stdout);

  /* Idle until told to close: a line or EOF on stdin (the hard timeout bounds the wait). */
  struct pollfd pfd = {.fd = 0, .events = POLLIN, .revents = 0};
  for (;;) {
    int r = poll(&pfd, 1, -1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) die("poll stdin: %s", strerror(errno));
    break;
  }
  /* Every connection must still be open and silent. */
  int closed_by_server = 0;
  for (int i = 0; i < count; i++) {
    unsigned char b;
    ssize_t r = read(conns[i].fd, &b, 1);
    if (r >= 0) closed_by_server += r == 0;
    if (r > 0) die("idle: connection %d: server sent unrequested bytes", i);
    close(conns[i].fd);
  }
  if (closed_by_server > 0) die("idle: %d connections closed by the server", closed_by_server);
  printf("closed conns=%d\n", count);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) usage();
  signal(SIGPIPE, SIG_IGN);
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (strcmp(argv[1], "ping") == 0) return run_ping(argc, argv);
  if (strcmp(argv[1], "bulk") == 0) return run_bulk(argc, argv);
  if (strcmp(argv[1], "idle") == 0) return run_idle(argc, argv);
  usage();
  return 2;
}
