#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
static uint64_t tns(clockid_t c){struct timespec t;clock_gettime(c,&t);return t.tv_sec*1000000000ull+t.tv_nsec;}
int main(int argc,char**argv){
 int us=argc>1?atoi(argv[1]):50, N=argc>2?atoi(argv[2]):5000;
 prctl(PR_SET_TIMERSLACK,1000,0,0,0);
 int e=eventfd(0,EFD_NONBLOCK), t=timerfd_create(CLOCK_MONOTONIC,TFD_NONBLOCK);
 int ep=epoll_create1(0); struct epoll_event ev={.events=EPOLLIN}; epoll_ctl(ep,EPOLL_CTL_ADD,e,&ev);
 for(int m=0;m<5;m++){
  uint64_t w0=tns(CLOCK_MONOTONIC), c0=tns(CLOCK_THREAD_CPUTIME_ID);
  for(int i=0;i<N;i++){
   struct timespec ts={0,us*1000L}; uint64_t v;
   if(m==0){ nanosleep(&ts,NULL);}
   else if(m==1){ struct pollfd p={.fd=e,.events=POLLIN}; ppoll(&p,1,&ts,NULL);}
   else if(m==2){ struct itimerspec it={0}; struct timespec n; clock_gettime(CLOCK_MONOTONIC,&n); n.tv_nsec+=us*1000L; if(n.tv_nsec>=1000000000L){n.tv_sec++;n.tv_nsec-=1000000000L;} it.it_value=n; timerfd_settime(t,TFD_TIMER_ABSTIME,&it,NULL); struct pollfd p[2]={{.fd=e,.events=POLLIN},{.fd=t,.events=POLLIN}}; struct timespec big={1,0}; ppoll(p,2,&big,NULL); if(read(t,&v,8)<0){} }
   else if(m==3){ struct epoll_event o; epoll_pwait2(ep,&o,1,&ts,NULL);}
   else if(m==4){ struct pollfd p={.fd=e,.events=POLLIN}; poll(&p,1,0); ppoll(&p,1,&ts,NULL);}
  }
  uint64_t w=tns(CLOCK_MONOTONIC)-w0, c=tns(CLOCK_THREAD_CPUTIME_ID)-c0;
  const char*nm[]={"nanosleep","ppoll-timeout","timerfd+ppoll+read","epoll_pwait2","poll0+ppoll"};
  printf("%-20s wall %6.1f us  cpu %5.1f us per nap of %d\n",nm[m],(double)w/N/1000,(double)c/N/1000,us);
 }
 return 0;}
