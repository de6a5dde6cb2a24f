#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
static int ping, pong;
static uint64_t now_ns(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1000000000ull+t.tv_nsec;}
static void waitfd(int fd){struct pollfd p={fd,POLLIN,0};poll(&p,1,100);uint64_t v;(void)!read(fd,&v,8);}
static void sig(int fd){uint64_t one=1;(void)!write(fd,&one,8);}
static void *ponger(void*a){(void)a;cpu_set_t s;CPU_ZERO(&s);CPU_SET(1,&s);pthread_setaffinity_np(pthread_self(),sizeof(s),&s);for(;;){waitfd(ping);sig(pong);}return NULL;}
static int cmp(const void*a,const void*b){uint64_t x=*(uint64_t*)a,y=*(uint64_t*)b;return x<y?-1:x>y;}
int main(int argc,char**argv){int secs=argc>1?atoi(argv[1]):60;cpu_set_t s;CPU_ZERO(&s);CPU_SET(0,&s);sched_setaffinity(0,sizeof(s),&s);
ping=eventfd(0,EFD_NONBLOCK);pong=eventfd(0,EFD_NONBLOCK);pthread_t t;pthread_create(&t,NULL,ponger,NULL);
uint64_t start=now_ns();while(now_ns()-start<(uint64_t)secs*1000000000ull){uint64_t r[64];for(int i=0;i<64;i++){uint64_t t0=now_ns();sig(ping);waitfd(pong);r[i]=now_ns()-t0;}
qsort(r,64,8,cmp);printf("%.3f %.1f\n",(now_ns()-start)/1e9,r[32]/2000.0);fflush(stdout);usleep(50000);}
return 0;}
